import Foundation
import JunctionCore
import JunctionStore
import Synchronization

/// Counts the calls made through each connection on this node, by 10-second bucket, until the health monitor drains
/// them into the store (where every node's counts add up). One lock and one dictionary update per call.
public final class CallRecorder: Sendable {
    private let counts = Mutex<[String: [Int64: CallCounts]]>([:])

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

    /// Puts back counts a drain took but could not store, so a database hiccup loses none.
    public func restore(_ drained: [String: [Int64: CallCounts]]) {
        counts.withLock { counts in
            for (connection, buckets) in drained {
                for (bucket, count) in buckets { counts[connection, default: [:]][bucket, default: CallCounts()].add(count) }
            }
        }
    }
}
