import Foundation
import Synchronization

/// The operating system's random bytes, read 4 KiB at a time from `/dev/urandom` and handed out from memory.
///
/// Every id takes 80 random bits, and `SystemRandomNumberGenerator` makes a system call per 64 bits: two calls
/// per id showed in ingest profiles. These bytes make ids unique, not secrets, so keeping a block in memory is
/// fine (secrets, such as keys and PKCE verifiers, draw straight from the system). While `/dev/urandom` cannot be
/// read (no file descriptors left, no `/dev`), it draws from `SystemRandomNumberGenerator`, and tries the device
/// again later.
struct PooledRandomNumberGenerator: RandomNumberGenerator, Sendable {
    /// A generator over the process-wide pool.
    init() {}

    /// Eight bytes from the pool.
    mutating func next() -> UInt64 {
        if let value = Self.pool.withLock({ $0.next() }) { return value }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    private static let pool = Mutex(Pool())

    /// The unread part of the last block read.
    private struct Pool: ~Copyable {
        static let blockSize = 4096
        private var block = [UInt8](repeating: 0, count: Pool.blockSize)
        private var offset = Pool.blockSize
        /// Draws left to make elsewhere before the device is tried again, after it could not be read.
        private var drawsBeforeRetry = 0

        /// Eight bytes from the block, reading another when it runs out; `nil` when the device cannot be read, and
        /// for the next 4,096 draws after that, so a missing device costs a failed `open` per 4,096 ids, not per id.
        mutating func next() -> UInt64? {
            if offset + 8 > block.count {
                if drawsBeforeRetry > 0 {
                    drawsBeforeRetry -= 1
                    return nil
                }
                guard refill() else {
                    drawsBeforeRetry = 4096
                    return nil
                }
            }
            var value: UInt64 = 0
            for index in offset..<(offset + 8) { value = value << 8 | UInt64(block[index]) }
            offset += 8
            return value
        }

        private mutating func refill() -> Bool {
            let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            var filled = 0
            while filled < block.count {
                let count = block.withUnsafeMutableBytes { bytes in
                    read(descriptor, bytes.baseAddress.map { $0 + filled }, bytes.count - filled)
                }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                filled += count
            }
            offset = 0
            return true
        }
    }
}
