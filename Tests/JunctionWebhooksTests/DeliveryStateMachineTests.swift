import Foundation
import Testing

@testable import JunctionWebhooks

/// Every transition of a delivery, without I/O: admission, the verdict on an attempt, and what follows it.
@Suite("Delivery state machine")
struct DeliveryStateMachineTests {
    let machine = DeliveryStateMachine(limits: .init(disableAfter: .seconds(5 * 86_400), maximumRetryAfter: .seconds(3_600)))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    // MARK: Admission

    @Test("admission: every delivery status against every endpoint status (a paused one holds), ordered or not, first in line or not")
    func admissionTable() {
        let heads: [(id: String, dueIn: Duration?)?] = [nil, ("dlv_this", nil), ("dlv_ahead", .seconds(3))]
        for delivery in [DeliveryStatus?.none] + DeliveryStatus.allCases.map(Optional.some) {
            for endpoint in EndpointStatus.allCases {
                for head in heads {
                    let admission = machine.admit(
                        deliveryID: "dlv_this", delivery: delivery, endpoint: endpoint, disabledReason: nil, head: head)
                    let expected: DeliveryStateMachine.Admission
                    if delivery != .pending {
                        expected = .skip
                    } else if endpoint == .disabled {
                        expected = .fail(reason: "the endpoint is disabled: by an operator")
                    } else if endpoint == .paused {
                        expected = .hold(recheckAfter: .seconds(60))
                    } else if let head, head.id != "dlv_this" {
                        expected = .waitBehind(deliveryID: "dlv_ahead", recheckAfter: .seconds(3))
                    } else {
                        expected = .send
                    }
                    #expect(
                        admission == expected,
                        "delivery \(String(describing: delivery)), endpoint \(endpoint), head \(String(describing: head))")
                }
            }
        }
    }

    @Test("a disabled endpoint's reason is the delivery's reason")
    func disabledReason() {
        let admission = machine.admit(
            deliveryID: "dlv_1", delivery: .pending, endpoint: .disabled, disabledReason: "the endpoint answered 410 Gone", head: nil)
        #expect(admission == .fail(reason: "the endpoint is disabled: the endpoint answered 410 Gone"))
    }

    @Test(
        "waiting behind an ordered endpoint's head: at least 200 ms, at most a minute, else when the head is due",
        arguments: [
            (nil, 200), (.milliseconds(-5_000), 200), (.milliseconds(50), 200), (.milliseconds(700), 700), (.seconds(59), 59_000),
            (.seconds(600), 60_000),
        ] as [(Duration?, Int64)])
    func waitBehind(dueIn: Duration?, expectedMilliseconds: Int64) {
        let admission = machine.admit(
            deliveryID: "dlv_2", delivery: .pending, endpoint: .enabled, disabledReason: nil, head: ("dlv_1", dueIn))
        #expect(admission == .waitBehind(deliveryID: "dlv_1", recheckAfter: .milliseconds(expectedMilliseconds)))
    }

    // MARK: Verdicts

    @Test("every status class, with and without attempts left, with and without Retry-After")
    func verdictTable() {
        let statuses = [100, 200, 201, 204, 299, 300, 301, 304, 400, 401, 404, 409, 410, 429, 500, 502, 503, 504]
        for status in statuses {
            for scheduled in [Duration?.none, .seconds(5)] {
                for retryAfter in [Duration?.none, .seconds(1), .seconds(60)] {
                    let verdict = machine.verdict(
                        on: .answered(status: status, retryAfter: retryAfter), scheduledDelay: scheduled, now: now)
                    let expected: DeliveryStateMachine.Verdict
                    if (200..<300).contains(status) {
                        expected = .delivered
                    } else if status == 410 {
                        expected = .gone(disableReason: "the endpoint answered 410 Gone at 2027-01-15T08:00:00Z")
                    } else if let scheduled {
                        expected = .retry(after: max(scheduled, retryAfter ?? .zero))
                    } else {
                        expected = .exhausted
                    }
                    #expect(
                        verdict == expected,
                        "status \(status), scheduled \(String(describing: scheduled)), Retry-After \(String(describing: retryAfter))")
                }
            }
        }
    }

    @Test("an unreachable endpoint is retried on schedule, then exhausted")
    func unreachable() {
        #expect(
            machine.verdict(on: .unreachable(error: "refused"), scheduledDelay: .seconds(300), now: now) == .retry(after: .seconds(300)))
        #expect(machine.verdict(on: .unreachable(error: "refused"), scheduledDelay: nil, now: now) == .exhausted)
    }

    @Test("Retry-After is honoured up to the limit, and never shortens the schedule")
    func retryAfterBound() {
        let long = machine.verdict(on: .answered(status: 429, retryAfter: .seconds(86_400)), scheduledDelay: .seconds(5), now: now)
        #expect(long == .retry(after: .seconds(3_600)))
        let short = machine.verdict(on: .answered(status: 503, retryAfter: .seconds(1)), scheduledDelay: .seconds(1_800), now: now)
        #expect(short == .retry(after: .seconds(1_800)))
        let exhausted = machine.verdict(on: .answered(status: 429, retryAfter: .seconds(10)), scheduledDelay: nil, now: now)
        #expect(exhausted == .exhausted)
    }

    @Test("each verdict's recorded status")
    func verdictStatus() {
        #expect(DeliveryStateMachine.Verdict.delivered.status == .succeeded)
        #expect(DeliveryStateMachine.Verdict.gone(disableReason: "x").status == .failed)
        #expect(DeliveryStateMachine.Verdict.exhausted.status == .failed)
        #expect(DeliveryStateMachine.Verdict.retry(after: .seconds(1)).status == .pending)
    }

    // MARK: Follow-ups

    @Test("the failure streak: every verdict against no streak, a short one, and one exactly and over the limit")
    func followUpTable() {
        let verdicts: [DeliveryStateMachine.Verdict] = [
            .delivered, .gone(disableReason: "gone"), .exhausted, .retry(after: .seconds(5)),
        ]
        let streaks: [Date?] = [
            nil, now.addingTimeInterval(-60), now.addingTimeInterval(-5 * 86_400 + 1), now.addingTimeInterval(-5 * 86_400),
            now.addingTimeInterval(-6 * 86_400),
        ]
        for verdict in verdicts {
            for failingSince in streaks {
                let followUp = machine.followUp(after: verdict, failingSince: failingSince, now: now)
                let tooLong = failingSince.map { now.timeIntervalSince($0) >= 5 * 86_400 } ?? false
                let reason = failingSince.map { "every delivery failed since \($0.formatted(.iso8601))" } ?? ""
                let expected: DeliveryStateMachine.FollowUp
                switch verdict {
                case .delivered, .gone: expected = .none
                case .exhausted: expected = tooLong ? .disableEndpoint(reason: reason) : .none
                case .retry:
                    expected =
                        tooLong
                        ? .failAndDisable(deliveryReason: "the endpoint has failed for 5 days and is now disabled", endpointReason: reason)
                        : .none
                }
                #expect(followUp == expected, "verdict \(verdict), failing since \(String(describing: failingSince))")
            }
        }
    }

    @Test(
        "spans are named in their largest whole unit",
        arguments: [
            (.seconds(5 * 86_400), "5 days"), (.seconds(86_400), "1 day"), (.seconds(36 * 3_600), "36 hours"), (.seconds(90), "90 seconds"),
            (.seconds(120), "2 minutes"), (.milliseconds(1_500), "1 second"),
        ] as [(Duration, String)])
    func describeSpan(duration: Duration, text: String) {
        #expect(DeliveryStateMachine.describe(duration) == text)
    }
}
