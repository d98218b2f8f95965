import Foundation
import Glibc
import ModeldCore

// MARK: - Hashing a file while it is downloaded

extension FileHasher {
    /// The whole-file digest of a file being written (a download), following the
    /// contiguous bytes from its start as they arrive, on one pool thread that reads them
    /// back from the page cache. Returns when the digest covers `[0, size)`.
    ///
    /// - Parameter written: the bytes on disk so far; called often, so cheap.
    /// - Throws: ``HashingError/cancelled`` when the calling task is cancelled.
    public func followingDigest(
        path: String, kind: DigestKind, size: Int64, written: @escaping @Sendable () -> RangeSet
    ) async throws(HashingError) -> String {
        let readSize = readSize
        return try await following(path: path) { file, run throws(HashingError) in
            try Self.followDigest(file, kind: kind, size: size, readSize: readSize, run: run, written: written)
        }
    }

    /// The chunk index of a file just downloaded, read back from the page cache: right
    /// after the download, off its critical path (STORE.md: two SHA-256 passes in the
    /// stream would slow it).
    public func chunkHashes(path: String, size: Int64, chunkSize: Int = defaultChunkSize) async throws(HashingError) -> [String] {
        guard chunkSize > 0 else { throw .invalidArgument(reason: "chunk size \(chunkSize) is not positive") }
        let readSize = readSize
        let whole = RangeSet([ByteRange(0, size)])
        let written: @Sendable () -> RangeSet = { whole }
        return try await following(path: path) { file, run throws(HashingError) in
            try Self.followChunks(file, size: size, chunkSize: chunkSize, readSize: readSize, run: run, written: written)
        }
    }

    /// Runs `work` on a pool thread over the open file, stopped when the task is cancelled.
    private func following<T: Sendable>(
        path: String, _ work: @escaping @Sendable (ReadOnlyFile, RunState) throws(HashingError) -> T
    ) async throws(HashingError) -> T {
        let run = RunState(progress: nil)
        let pool = pool
        let outcome = await withTaskCancellationHandler {
            await Self.capture { () async throws(HashingError) in
                try await pool.result(of: { () throws(HashingError) in
                    try work(try ReadOnlyFile(path: path, sequential: true), run)
                }).get()
            }
        } onCancel: {
            run.cancel()
        }
        return try outcome.get()
    }

    /// How long a follower sleeps when no new bytes are there: short against a page-cache
    /// read, long enough not to spin.
    private static let followPause: useconds_t = 2000

    private static func followDigest(
        _ file: ReadOnlyFile, kind: DigestKind, size: Int64, readSize: Int, run: RunState, written: () -> RangeSet
    ) throws(HashingError) -> String {
        let digest = try StreamingDigest(kind, contentLength: size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 4096)
        defer { buffer.deallocate() }
        var hashed: Int64 = 0
        while hashed < size {
            if run.isCancelled { throw .cancelled }
            let available = written().ranges.first.map { $0.start == 0 ? $0.end : 0 } ?? 0
            guard available > hashed else {
                usleep(followPause)
                continue
            }
            let wanted = Int(min(Int64(readSize), available - hashed))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted])
            let count = try file.read(into: slice, at: hashed)
            guard count == wanted else { throw .shorterThanExpected(source: file.path, expected: size, actual: hashed + Int64(count)) }
            try digest.update(UnsafeRawBufferPointer(slice))
            hashed += Int64(count)
        }
        return try digest.finish()
    }

    private static func followChunks(
        _ file: ReadOnlyFile, size: Int64, chunkSize: Int, readSize: Int, run: RunState, written: () -> RangeSet
    ) throws(HashingError) -> [String] {
        let count = chunkCount(size: size, chunkSize: chunkSize)
        var hashes = [String?](repeating: nil, count: count)
        var left = count
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 4096)
        defer { buffer.deallocate() }
        while left > 0 {
            if run.isCancelled { throw .cancelled }
            let present = written()
            var progressed = false
            for index in hashes.indices where hashes[index] == nil {
                let start = Int64(index) * Int64(chunkSize)
                let chunk = ByteRange(start, min(size, start + Int64(chunkSize)))
                guard present.contains(chunk) else { continue }
                let digest = try StreamingDigest(.sha256, contentLength: chunk.count)
                var offset = chunk.start
                while offset < chunk.end {
                    let wanted = Int(min(Int64(readSize), chunk.end - offset))
                    let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted])
                    let read = try file.read(into: slice, at: offset)
                    guard read == wanted else { throw .shorterThanExpected(source: file.path, expected: size, actual: offset + Int64(read)) }
                    try digest.update(UnsafeRawBufferPointer(slice))
                    offset += Int64(read)
                }
                hashes[index] = try digest.finish()
                left -= 1
                progressed = true
            }
            if !progressed { usleep(followPause) }
        }
        return hashes.compactMap { $0 }
    }
}
