import Foundation
import JunctionCore
import JunctionHTTP
import JunctionStore
import Synchronization

/// What this node saw of the calls made through each connection, until the health monitor drains it into the store:
/// the calls by 10-second bucket (every node's counts add up there), and what providers said about the retirement of
/// the API versions and endpoints called. One lock and one dictionary update per call.
public final class CallRecorder: Sendable {
    private let counts = Mutex<[String: [Int64: CallCounts]]>([:])
    private let notices = Mutex<[APIVersionNotice.Key: APIVersionNotice]>([:])

    /// An empty recorder.
    public init() {}

    /// Notes a call through `connectionID` that took `latency` and failed (for the provider's reasons) or not.
    public func record(connectionID: String, failed: Bool, latency: Duration, at date: Date = Date()) {
        let bucket = HealthRepository.bucket(of: date)
        let milliseconds = Int(latency.milliseconds)
        counts.withLock { counts in
            counts[connectionID, default: [:]][bucket, default: CallCounts()].add(
                CallCounts(calls: 1, errors: failed ? 1 : 0, latencyMilliseconds: milliseconds))
        }
    }

    /// Everything counted since the last drain, emptied.
    public func drain() -> [String: [Int64: CallCounts]] {
        counts.withLock { counts in
            defer { counts.removeAll(keepingCapacity: true) }
            return counts
        }
    }

    /// Notes what a provider's answer said about the version and endpoint called (the latest word wins).
    public func note(_ notice: DeprecationNotice, connectionID: String, version: String, endpoint: String, at date: Date = Date()) {
        let key = APIVersionNotice.Key(connectionID: connectionID, version: version, endpoint: endpoint)
        notices.withLock { notices in
            guard notices.count < 10_000 || notices[key] != nil else { return }
            notices[key] = APIVersionNotice(key: key, notice: notice, seenAt: date)
        }
    }

    /// The notices noted since the last drain, emptied.
    public func drainNotices() -> [APIVersionNotice] {
        notices.withLock { notices in
            defer { notices.removeAll(keepingCapacity: true) }
            return Array(notices.values)
        }
    }

    /// Puts back notices a drain took but could not store (a newer word noted meanwhile wins).
    public func restore(_ drained: [APIVersionNotice]) {
        notices.withLock { notices in
            for notice in drained where notices[notice.key] == nil { notices[notice.key] = notice }
        }
    }

    /// Puts back counts a drain took but could not store, so a database hiccup loses none.
    public func restore(_ drained: [String: [Int64: CallCounts]]) {
        counts.withLock { counts in
            for (connection, buckets) in drained {
                for (bucket, count) in buckets { counts[connection, default: [:]][bucket, default: CallCounts()].add(count) }
            }
        }
    }
}
