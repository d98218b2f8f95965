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
