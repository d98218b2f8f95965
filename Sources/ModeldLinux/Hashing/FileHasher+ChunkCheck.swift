import Foundation
import Glibc
import ModeldCore
import Synchronization

// MARK: - Re-verification workers

extension FileHasher {
    /// One re-verification: the chunk counter the workers claim from, and what they found.
    final class ChunkCheck: Sendable {
        let file: ReadOnlyFile
        let expected: [String]
        let chunkSize: Int
        let expectedSize: Int64
        let readSize: Int
        let run: RunState
        private let nextChunk = Atomic<Int>(0)
        private let found = Mutex(Found())

        struct Found {
            var damaged: [Int] = []
            var error: HashingError?
        }

        init(file: ReadOnlyFile, expected: [String], chunkSize: Int, expectedSize: Int64, readSize: Int, run: RunState) {
            self.file = file
            self.expected = expected
            self.chunkSize = chunkSize
            self.expectedSize = expectedSize
            self.readSize = readSize
            self.run = run
        }

        /// One worker: claims chunks until none are left, or another worker failed.
        func work() {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(readSize, chunkSize), alignment: 4096)
            defer { buffer.deallocate() }
            while true {
                let index = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < expected.count else { return }
                do throws(HashingError) {
                    if run.isCancelled { throw .cancelled }
                    if try !chunkMatches(index, buffer: buffer) {
                        found.withLock { $0.damaged.append(index) }
                    }
                } catch {
                    fail(error)
                    return
                }
            }
        }

        /// Records the first error and stops the other workers at their next chunk.
        func fail(_ error: HashingError) {
            found.withLock { if $0.error == nil { $0.error = error } }
            // Push the counter past the end so the others stop claiming.
            nextChunk.store(Int.max / 2, ordering: .relaxed)
        }

        /// The damaged chunks, sorted, once every worker has returned.
        func outcome() throws(HashingError) -> [Int] {
            let found = found.withLock { $0 }
            if let error = found.error { throw error }
            var damaged = Set(found.damaged)
            if file.size > expectedSize, !expected.isEmpty { damaged.insert(expected.count - 1) }
            return damaged.sorted()
        }

        private func chunkMatches(_ index: Int, buffer: UnsafeMutableRawBufferPointer) throws(HashingError) -> Bool {
            let start = Int64(index) * Int64(chunkSize)
            guard start < file.size else { return false }  // the file ends before this chunk
            let length = min(Int64(chunkSize), expectedSize - start)
            let digest = try StreamingDigest(.sha256, contentLength: length)
            var done: Int64 = 0
            while done < length {
                if run.isCancelled { throw .cancelled }
                let want = Int(min(Int64(buffer.count), length - done))
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: start + done)
                try digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                run.add(got)
                done += Int64(got)
                if got < want { return false }  // the file ends inside this chunk
            }
            return try digest.finish() == expected[index]
        }
    }
}
