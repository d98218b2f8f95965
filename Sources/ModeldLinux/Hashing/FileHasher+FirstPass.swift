import Foundation
import Glibc
import ModeldCore
import Synchronization

// MARK: - First verification pipeline

extension FileHasher {
    /// One first verification: a reader that reads the file into a ring of buffers and
    /// feeds the whole-file digest, and a chunk hasher that hashes the same buffers, in
    /// order, into the chunk index, then hands them back.
    ///
    /// The chunk-hashing *role* goes to whichever thread claims it: the helper job the
    /// reader submits, or the reader itself when it runs out of free buffers and the
    /// helper is not at work (it may not have a thread yet). So the reader never waits
    /// for a job that has not started, and a busy or one-thread pool cannot deadlock.
    /// The helper is submitted by the reader once running, so it only ever waits for a
    /// reader that is running.
    ///
    /// `@unchecked Sendable`: `free`, `ready`, `chunkRoleHeld`, `readerDone` and `failure`
    /// are read and written only with `condition` locked; `chunker` only by the thread
    /// holding the chunk role, which is claimed and released with `condition` locked; the
    /// bytes of a buffer only by the thread that took its number out of `free` (to fill
    /// it) or `ready` (to hash it), both under `condition`.
    final class FirstPass: @unchecked Sendable {
        private let file: ReadOnlyFile
        private let kind: DigestKind
        private let run: RunState
        private let condition = NSCondition()
        private let buffers: [UnsafeMutableRawBufferPointer]
        private var free: [Int]
        /// Filled buffers waiting for the chunk hasher, oldest first (at most `buffers.count`).
        private var ready: [Segment] = []
        private var chunkRoleHeld = false
        private var readerDone = false
        private var failure: HashingError?
        private var chunker: ChunkStream

        struct Segment {
            var buffer: Int
            var count: Int
        }

        init(file: ReadOnlyFile, kind: DigestKind, chunkSize: Int, bufferSize: Int, bufferCount: Int, run: RunState) {
            self.file = file
            self.kind = kind
            self.run = run
            buffers = (0..<bufferCount).map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)
            }
            free = Array(buffers.indices)
            chunker = ChunkStream(chunkSize: Int64(chunkSize), fileSize: file.size)
        }

        deinit {
            for buffer in buffers { buffer.deallocate() }
        }

        /// The reader: runs on a pool thread, returns when the chunk index is complete too.
        func read(helpersFrom pool: BlockingPool, expectedSize: Int64) throws(HashingError) -> FirstVerification {
            do {
                // Refused only during shutdown; then this thread hashes the chunks alone.
                try? pool.submit { [self] in hashChunksAsHelper() }
                let digest = try readAll()
                let chunkHashes = try finishChunks()
                return FirstVerification(
                    digest: digest, chunkHashes: chunkHashes, bytesRead: file.size, expectedSize: expectedSize)
            } catch {
                condition.lock()
                if failure == nil { failure = error }
                readerDone = true
                condition.broadcast()
                condition.unlock()
                throw error
            }
        }

        /// Reads every byte once into the ring, feeding the whole-file digest.
        private func readAll() throws(HashingError) -> String {
            let digest = try StreamingDigest(kind, contentLength: file.size)
            var offset: Int64 = 0
            while offset < file.size {
                if run.isCancelled { throw .cancelled }
                let index = try takeFreeBuffer()
                let want = Int(min(Int64(buffers[index].count), file.size - offset))
                let target = UnsafeMutableRawBufferPointer(rebasing: buffers[index][0..<want])
                let got = try file.read(into: target, at: offset)
                guard got == want else {
                    throw .shorterThanExpected(source: file.path, expected: file.size, actual: offset + Int64(got))
                }
                try digest.update(UnsafeRawBufferPointer(target))
                publish(Segment(buffer: index, count: want))
                offset += Int64(want)
                run.add(want)
            }
            // One more byte would mean the file grew while being read.
            var probe: UInt8 = 0
            let extra = try withUnsafeMutableBytes(of: &probe) { (byte) throws(HashingError) in
                try file.read(into: byte, at: offset)
            }
            if extra > 0 {
                throw .longerThanExpected(source: file.path, expected: file.size, actual: file.currentSize() ?? offset + 1)
            }
            return try digest.finish()
        }

        /// A free buffer; while there is none, the reader hashes chunks itself if the role
        /// is free, otherwise waits for the role holder to hand a buffer back.
        private func takeFreeBuffer() throws(HashingError) -> Int {
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let failure { throw failure }
                if let index = free.popLast() { return index }
                if !chunkRoleHeld, !ready.isEmpty {
                    hashNextSegmentLocked()
                } else {
                    condition.wait()
                }
            }
        }

        private func publish(_ segment: Segment) {
            condition.lock()
            ready.append(segment)
            condition.broadcast()
            condition.unlock()
        }

        /// The reader's end: helps with what is left, then returns the finished index.
        private func finishChunks() throws(HashingError) -> [String] {
            condition.lock()
            defer { condition.unlock() }
            readerDone = true
            condition.broadcast()
            while true {
                if let failure { throw failure }
                if !chunkRoleHeld {
                    if ready.isEmpty { break }
                    hashNextSegmentLocked()
                } else {
                    condition.wait()
                }
            }
            guard chunker.isComplete else {
                throw .shorterThanExpected(source: file.path, expected: file.size, actual: chunker.bytesHashed)
            }
            return chunker.hashes
        }

        /// The helper job: hashes chunks while the reader reads; returns when the reader is
        /// done and nothing is left, or on a failure.
        private func hashChunksAsHelper() {
            condition.lock()
            defer { condition.unlock() }
            while failure == nil {
                if !chunkRoleHeld, !ready.isEmpty {
                    hashNextSegmentLocked()
                } else if readerDone, ready.isEmpty {
                    return
                } else {
                    condition.wait()
                }
            }
        }

        /// Called with `condition` locked, the role free and `ready` not empty: claims the
        /// role, hashes the oldest segment unlocked, gives its buffer back, wakes everyone.
        private func hashNextSegmentLocked() {
            let segment = ready.removeFirst()
            chunkRoleHeld = true
            condition.unlock()
            var error: HashingError?
            do throws(HashingError) {
                try chunker.consume(UnsafeRawBufferPointer(rebasing: buffers[segment.buffer][0..<segment.count]))
            } catch let caught {
                error = caught
            }
            condition.lock()
            chunkRoleHeld = false
            free.append(segment.buffer)
            if let error, failure == nil { failure = error }
            condition.broadcast()
        }
    }
}
