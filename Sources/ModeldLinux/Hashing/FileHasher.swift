import Foundation
import Glibc
import ModeldCore
import Synchronization

/// The hashing engine: first verification (whole-file digest and chunk index in one read
/// pass) and re-verification (chunks against the index, on every core at once), all on
/// a ``BlockingPool`` so the cooperative pool only ever waits.
///
/// The chunk index is the SHA-256 of each fixed-size chunk of a file whose whole-file
/// digest matched the manifest (STORE.md, "Verification"). It is what makes a
/// re-verification parallel — chunks are independent, so one 20 GB shard is hashed by
/// every core — and what lets a repair fetch only the damaged byte ranges.
public struct FileHasher: Sendable {
    /// The chunk size of the index unless configured otherwise (STORE.md).
    public static let defaultChunkSize = 16 << 20
    /// How much one `pread` asks for. Small enough that the bytes are still in the core's
    /// cache when SHA reads them right after the copy out of the page cache (reading a
    /// 16 MiB chunk at once would evict them first), large enough that syscalls cost
    /// nothing. Measured with `Benchmarks/verify-vs-openssl.sh`.
    public static let defaultReadSize = 1 << 20
    /// Read buffers in flight between the reader and the chunk hasher of a first
    /// verification: enough that neither waits for the other on a steady stream.
    public static let defaultPipelineBuffers = 4
    /// The progress callback is called at most once per this many bytes (and at the end).
    public static let progressInterval: Int64 = 4 << 20

    public let pool: BlockingPool
    public let readSize: Int
    public let pipelineBuffers: Int

    /// `readSize` is raised to at least 4 KiB and `pipelineBuffers` to at least 2, the
    /// least that keeps both threads of a first verification busy.
    public init(pool: BlockingPool, readSize: Int = defaultReadSize, pipelineBuffers: Int = defaultPipelineBuffers) {
        self.pool = pool
        self.readSize = max(readSize, 4096)
        self.pipelineBuffers = max(pipelineBuffers, 2)
    }

    /// What one read pass over a file found.
    public struct FirstVerification: Sendable, Equatable {
        /// The whole-file digest (of the `kind` asked for), lowercase hex.
        public var digest: String
        /// The SHA-256 of each `chunkSize` piece of the file, in order; the last may be
        /// shorter. Empty for an empty file.
        public var chunkHashes: [String]
        /// The file's actual size: every byte was read once.
        public var bytesRead: Int64
        /// The size the caller expected (from the manifest).
        public var expectedSize: Int64

        /// False when the file is not the size the manifest says: the digest then belongs
        /// to the file as it is, for the report, and cannot match.
        public var sizeMatches: Bool { bytesRead == expectedSize }
    }

    /// What a re-verification against a chunk index found.
    public struct Reverification: Sendable, Equatable {
        /// Indices of the chunks that differ from the index, ascending.
        public var damaged: [Int]
        /// Bytes read and hashed (for `modeld_verify_bytes_hashed_total`): chunks past the
        /// end of a short file are damaged without being read.
        public var bytesHashed: Int64
        /// The file's size when the check began.
        public var actualSize: Int64
        public var expectedSize: Int64

        /// True only when every chunk matched and the size is right.
        public var isIntact: Bool { damaged.isEmpty && actualSize == expectedSize }
    }

    // MARK: - First verification

    /// Reads the file once and computes its whole-file digest and its chunk index.
    ///
    /// The whole-file digest is computed on the reading thread while another pool thread
    /// hashes the chunks from the same read buffers, so the file costs one read and about
    /// one core's SHA time, not two. With no free pool thread the reader hashes the
    /// chunks itself: slower, never stuck.
    ///
    /// A file whose size is not `expectedSize` is hashed anyway (the result says its
    /// size), so the caller can report what is on disk. A file that changes size while
    /// it is read fails with ``HashingError/shorterThanExpected(source:expected:actual:)``
    /// or ``HashingError/longerThanExpected(source:expected:actual:)``: a writer is still
    /// at work, and the digest would describe no version of the file.
    ///
    /// - Parameter progress: bytes read so far, with increasing values, at most once per
    ///   ``progressInterval`` bytes, and once with the total at the end. Called from pool
    ///   threads (the last call from the calling task), one call at a time, under a lock:
    ///   keep it quick (store a number, yield to a bounded stream).
    public func firstVerification(
        path: String, kind: DigestKind, expectedSize: Int64, chunkSize: Int = defaultChunkSize,
        progress: (@Sendable (Int64) -> Void)? = nil
    ) async throws(HashingError) -> FirstVerification {
        guard chunkSize > 0 else { throw .invalidArgument(reason: "chunk size \(chunkSize) is not positive") }
        if Task.isCancelled { throw .cancelled }
        let run = RunState(progress: progress)
        let readSize = readSize, pipelineBuffers = pipelineBuffers, pool = pool
        let outcome = await withTaskCancellationHandler {
            await Self.capture { () async throws(HashingError) in
                try await pool.result(of: { () throws(HashingError) -> FirstVerification in
                    let file = try ReadOnlyFile(path: path, sequential: true)
                    let pass = FirstPass(
                        file: file, kind: kind, chunkSize: chunkSize, bufferSize: readSize,
                        bufferCount: pipelineBuffers, run: run)
                    return try pass.read(helpersFrom: pool, expectedSize: expectedSize)
                }).get()
            }
        } onCancel: {
            run.cancel()
        }
        let verification = try outcome.get()
        run.reportFinal()
        return verification
    }

    // MARK: - Re-verification

    /// Hashes every chunk of the file and compares it with the chunk index recorded at
    /// its first verification, on all pool threads at once, even for a single file: each
    /// worker claims the next chunk index, reads it into its own buffer and hashes it.
    ///
    /// Size changes are damage, not errors, so a repair can follow:
    /// - a file **shorter** than `expectedSize`: the chunk it now ends in fails its hash,
    ///   and the chunks wholly past its end are damaged without being read;
    /// - a file **longer** than `expectedSize`: the chunks are checked as usual over the
    ///   expected bytes, and the *last* chunk is also reported damaged. The extra bytes
    ///   belong to no chunk, but a repair that rewrites the last chunk's range into a
    ///   file of the expected size fixes them, and a wrong file never comes back clean.
    ///   (An expected size of 0 has no chunk to name: check `isIntact`.)
    ///
    /// - Parameter chunkHashes: the index, one SHA-256 hex per chunk (either case): exactly
    ///   `ceil(expectedSize / chunkSize)` of them.
    /// - Parameter progress: bytes hashed so far, as in ``firstVerification(path:kind:expectedSize:chunkSize:progress:)``.
    public func damagedChunks(
        path: String, expected chunkHashes: [String], chunkSize: Int, expectedSize: Int64,
        progress: (@Sendable (Int64) -> Void)? = nil
    ) async throws(HashingError) -> Reverification {
        guard chunkSize > 0 else { throw .invalidArgument(reason: "chunk size \(chunkSize) is not positive") }
        guard expectedSize >= 0 else { throw .invalidArgument(reason: "expected size \(expectedSize) is negative") }
        let chunkCount = Self.chunkCount(size: expectedSize, chunkSize: chunkSize)
        guard chunkHashes.count == chunkCount else {
            throw .invalidArgument(reason:
                "\(path): \(chunkHashes.count) chunk hashes for \(expectedSize) bytes in chunks of \(chunkSize) (need \(chunkCount))")
        }
        if Task.isCancelled { throw .cancelled }
        let pool = pool
        // open/fstat may block (a network filesystem): not on the cooperative pool either.
        let file = try await pool.result(of: { () throws(HashingError) in try ReadOnlyFile(path: path, sequential: true) }).get()
        let run = RunState(progress: progress)
        let check = ChunkCheck(
            file: file, expected: chunkHashes.map { $0.lowercased() }, chunkSize: chunkSize,
            expectedSize: expectedSize, readSize: readSize, run: run)
        let workers = max(1, min(pool.threadCount, chunkCount))
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask {
                        do throws(HashingError) {
                            try await pool.result(of: { check.work() }).get()
                        } catch {
                            check.fail(error)
                        }
                    }
                }
            }
        } onCancel: {
            run.cancel()
        }
        let damaged = try check.outcome()
        run.reportFinal()
        return Reverification(damaged: damaged, bytesHashed: run.total, actualSize: file.size, expectedSize: expectedSize)
    }

    // MARK: - Pure helpers

    /// The number of chunks of a file: `ceil(size / chunkSize)`, 0 for an empty file.
    public static func chunkCount(size: Int64, chunkSize: Int) -> Int {
        guard size > 0, chunkSize > 0 else { return 0 }
        return Int((size - 1) / Int64(chunkSize) + 1)
    }

    /// Runs a typed-throwing body and returns its outcome, so it can pass through
    /// `withTaskCancellationHandler` (which only rethrows untyped errors).
    static func capture<T>(_ body: () async throws(HashingError) -> T) async -> Result<T, HashingError> {
        do throws(HashingError) { return .success(try await body()) } catch { return .failure(error) }
    }
}

// MARK: - The open file

extension FileHasher {
    /// A file open for reading, shared by the jobs that hash it and closed when the last
    /// one lets go. Sendable: every property is immutable, and `pread` at an explicit
    /// offset does not touch the descriptor's shared file position.
    final class ReadOnlyFile: Sendable {
        let path: String
        let descriptor: Int32
        /// The size when the file was opened: what the hashing plan is based on.
        let size: Int64

        /// `sequential`: `posix_fadvise(SEQUENTIAL)`, which doubles the kernel's readahead.
        init(path: String, sequential: Bool) throws(HashingError) {
            let descriptor: Int32
            do {
                // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
                // It changes nothing for a regular file.
                descriptor = try syscall("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
            } catch {
                throw .openFailed(path: path, cause: error)
            }
            var info = stat()
            do {
                try syscall("fstat(\(path))") { fstat(descriptor, &info) }
            } catch {
                Self.close(descriptor)
                throw .openFailed(path: path, cause: error)
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                Self.close(descriptor)
                throw .notARegularFile(path: path)
            }
            if sequential {
                // Advice only (it returns an errno, never sets one): a failure leaves the
                // default readahead, and every byte is still read and checked.
                _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            }
            self.path = path
            self.descriptor = descriptor
            self.size = Int64(info.st_size)
        }

        deinit { Self.close(descriptor) }

        /// Fills `buffer` from `offset`, with as many `pread`s as it takes; fewer bytes
        /// only at the end of the file.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(HashingError) -> Int {
            guard let base = buffer.baseAddress else { return 0 }
            var filled = 0
            while filled < buffer.count {
                let position = offset + Int64(filled)
                let count: Int
                do {
                    count = try syscall("pread(\(path))") {
                        pread(descriptor, base + filled, buffer.count - filled, off_t(position))
                    }
                } catch {
                    throw .readFailed(path: path, offset: position, cause: error)
                }
                if count == 0 { break }
                filled += count
            }
            return filled
        }

        /// The size now, for an error about a file that grew while being hashed.
        func currentSize() -> Int64? {
            var info = stat()
            return fstat(descriptor, &info) == 0 ? Int64(info.st_size) : nil
        }

        /// For a descriptor opened read-only, `close` cannot lose data; its errors
        /// (EINTR, EIO from a network filesystem) change nothing already hashed.
        private static func close(_ descriptor: Int32) {
            _ = Glibc.close(descriptor)
        }
    }

    /// The cancellation flag and the byte count of one hashing request, shared by its
    /// threads; the count feeds the progress callback.
    final class RunState: Sendable {
        private let cancelled = Atomic<Bool>(false)
        private let bytes = Atomic<Int64>(0)
        private let progress: (@Sendable (Int64) -> Void)?
        /// The last value reported: taken under the lock so reports never go backwards.
        private let reported = Mutex<Int64>(0)

        init(progress: (@Sendable (Int64) -> Void)?) {
            self.progress = progress
        }

        var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
        func cancel() { cancelled.store(true, ordering: .relaxed) }
        var total: Int64 { bytes.load(ordering: .relaxed) }

        func add(_ count: Int) {
            let total = bytes.add(Int64(count), ordering: .relaxed).newValue
            guard let progress else { return }
            reported.withLock { last in
                guard total >= last + FileHasher.progressInterval else { return }
                last = total
                progress(total)
            }
        }

        func reportFinal() {
            guard let progress else { return }
            let total = total
            reported.withLock { last in
                guard total > last || total == 0 else { return }
                last = total
                progress(total)
            }
        }
    }
}

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
        private var chunker: ChunkIndexer

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
            chunker = ChunkIndexer(chunkSize: Int64(chunkSize), fileSize: file.size)
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

    /// Cuts a stream of bytes into chunks and hashes each one (SHA-256). Chunks may span
    /// read buffers, so it keeps the digest of the chunk in progress between calls.
    struct ChunkIndexer {
        let chunkSize: Int64
        let fileSize: Int64
        private(set) var hashes: [String] = []
        private var current: StreamingDigest?

        init(chunkSize: Int64, fileSize: Int64) {
            self.chunkSize = chunkSize
            self.fileSize = fileSize
        }

        var bytesHashed: Int64 { Int64(hashes.count) * chunkSize + (current?.bytesFed ?? 0) }
        var isComplete: Bool { current == nil && bytesHashed >= fileSize }

        mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HashingError) {
            var rest = bytes[...]
            while !rest.isEmpty {
                let digest: StreamingDigest
                if let current {
                    digest = current
                } else {
                    let start = Int64(hashes.count) * chunkSize
                    digest = try StreamingDigest(.sha256, contentLength: min(chunkSize, max(fileSize - start, 0)))
                    current = digest
                }
                let room = Int(min(Int64(rest.count), digest.contentLength - digest.bytesFed))
                guard room > 0 else {
                    throw .longerThanExpected(source: "chunk index input", expected: fileSize, actual: bytesHashed + Int64(rest.count))
                }
                try digest.update(UnsafeRawBufferPointer(rebasing: rest.prefix(room)))
                rest = rest.dropFirst(room)
                if digest.bytesFed == digest.contentLength {
                    hashes.append(try digest.finish())
                    current = nil
                }
            }
        }
    }
}
