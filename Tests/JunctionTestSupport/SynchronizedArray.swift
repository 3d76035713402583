import Synchronization

/// An array of integers appended from several tasks.
public final class SynchronizedArray: Sendable {
    private let storage = Mutex<[Int]>([])

    public init() {}

    public func append(_ value: Int) {
        storage.withLock { $0.append(value) }
    }

    public var values: [Int] { storage.withLock { $0 } }
}
