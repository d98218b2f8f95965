import Foundation
import ModeldCore
import Synchronization
import ModeldTestSupport
import Testing

@testable import ModeldLinux

/// The hashing engine against known vectors, independent tools (`openssl dgst`,
/// `git hash-object`) and slice-by-slice recomputation. Chunks are 64 KiB so every
/// case runs in milliseconds.
@Suite(.timeLimit(.minutes(10))) struct HashingTests {
    static let chunk = 64 << 10

    // MARK: StreamingDigest

    @Test(arguments: [
        (DigestKind.gitBlobSHA1, "Hello, World!", "b45ef6fec89518d314f546fd6c3025367b721684"),
        (.gitBlobSHA1, "", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
        (.sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (.sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func digestVectors(kind: DigestKind, text: String, hex: String) throws {
        let bytes = Array(text.utf8)
        #expect(try bytes.withUnsafeBytes { try StreamingDigest.hex(kind, of: $0) } == hex)

        // The same digest when the content arrives one byte at a time.
        let digest = try StreamingDigest(kind, contentLength: Int64(bytes.count))
        for byte in bytes {
            try withUnsafeBytes(of: byte) { try digest.update($0) }
        }
        #expect(try digest.finish() == hex)
    }

    @Test func digestHoldsTheCallerToTheAnnouncedLength() throws {
        let digest = try StreamingDigest(.gitBlobSHA1, contentLength: 2)
        let three: [UInt8] = [1, 2, 3]
        #expect(throws: HashingError.longerThanExpected(source: "digest input", expected: 2, actual: 3)) {
            try three.withUnsafeBytes { try digest.update($0) }
        }
        try three.withUnsafeBytes { try digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<1])) }
        #expect(throws: HashingError.shorterThanExpected(source: "digest input", expected: 2, actual: 1)) {
            try digest.finish()
        }
        try three.withUnsafeBytes { try digest.update(UnsafeRawBufferPointer(rebasing: $0[1..<2])) }
        #expect(try digest.finish().count == 40)
        #expect(throws: HashingError.self) { try digest.finish() }
        #expect(throws: HashingError.self) { try StreamingDigest(.sha256, contentLength: -1) }
    }

    // MARK: BlockingPool

    @Test func poolRunsJobsOnSeparateThreadsAtOnce() async throws {
        let pool = try BlockingPool(threadCount: 2)
        defer { pool.shutdown() }
        // Each job waits for the other's signal: both finish only if two threads run them together.
        let first = DispatchSemaphore(value: 0), second = DispatchSemaphore(value: 0)
        async let a = pool.run { () -> Bool in
            first.signal()
            return second.wait(timeout: .now() + 10) == .success
        }
        async let b = pool.run { () -> Bool in
            second.signal()
            return first.wait(timeout: .now() + 10) == .success
        }
        #expect(try await a)
        #expect(try await b)
    }

    @Test func poolReturnsResultsAndErrorsAndRefusesWorkAfterShutdown() async throws {
        struct Boom: Error, Equatable {}
        let pool = try BlockingPool(threadCount: 2)
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for value in 1...100 { group.addTask { try await pool.run { value * 2 } } }
            var sum = 0
            for try await value in group { sum += value }
            return sum
        }
        #expect(sum == 10_100)
        await #expect(throws: Boom()) { try await pool.run { () throws -> Int in throw Boom() } }

        pool.shutdown()
        pool.shutdown()
        await #expect(throws: HashingError.poolShutDown) { try await pool.run { 1 } }
        #expect(throws: HashingError.invalidArgument(reason: "thread count 0 is not positive")) {
            try BlockingPool(threadCount: 0)
        }
    }

    // MARK: First verification

    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, chunk * 7 / 2]
    /// 20 000 cuts chunks across read buffers; 1 MiB puts many chunks in one buffer.
    static let readSizes = [20_000, 1 << 20]

    @Test(arguments: sizes, readSizes)
    func firstVerificationMatchesIndependentHashes(size: Int, readSize: Int) async throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.pseudoRandomBytes(size, seed: UInt64(size) + 1)
        let path = try directory.write("file.bin", bytes)
        let pool = try BlockingPool(threadCount: 2)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool, readSize: readSize)

        let result = try await hasher.firstVerification(
            path: path, kind: .sha256, expectedSize: Int64(size), chunkSize: Self.chunk)
        #expect(result.digest == (try Self.tool(["openssl", "dgst", "-sha256", "-r", path])))
        #expect(result.chunkHashes == (try Self.sliceHashes(bytes, chunkSize: Self.chunk)))
        #expect(result.chunkHashes.count == FileHasher.chunkCount(size: Int64(size), chunkSize: Self.chunk))
        #expect(result.bytesRead == Int64(size))
        #expect(result.sizeMatches)

        let git = try await hasher.firstVerification(
            path: path, kind: .gitBlobSHA1, expectedSize: Int64(size), chunkSize: Self.chunk)
        #expect(git.digest == (try Self.tool(["git", "hash-object", path])))
        #expect(git.chunkHashes == result.chunkHashes)
    }

    @Test func firstVerificationReportsTheActualSizeOfAWrongSizedFile() async throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.pseudoRandomBytes(Self.chunk + 10, seed: 7)
        let path = try directory.write("file.bin", bytes)
        let pool = try BlockingPool(threadCount: 2)
        defer { pool.shutdown() }

        let result = try await FileHasher(pool: pool).firstVerification(
            path: path, kind: .sha256, expectedSize: Int64(Self.chunk * 3), chunkSize: Self.chunk)
        #expect(result.bytesRead == Int64(bytes.count))
        #expect(!result.sizeMatches)
        #expect(result.digest == (try Self.tool(["openssl", "dgst", "-sha256", "-r", path])))
        #expect(result.chunkHashes.count == 2)
    }

    /// One pool thread and two small buffers: the reader must hash the chunks itself,
    /// since the helper job cannot start until the reader ends.
    @Test func firstVerificationCompletesOnAOneThreadPool() async throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.pseudoRandomBytes(Self.chunk * 5 + 3, seed: 11)
        let path = try directory.write("file.bin", bytes)
        let pool = try BlockingPool(threadCount: 1)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool, readSize: 4096, pipelineBuffers: 2)

        let result = try await hasher.firstVerification(
            path: path, kind: .sha256, expectedSize: Int64(bytes.count), chunkSize: Self.chunk)
        #expect(result.chunkHashes == (try Self.sliceHashes(bytes, chunkSize: Self.chunk)))
    }

    /// More first verifications than threads: every helper job may queue behind readers.
    @Test func concurrentFirstVerificationsAllComplete() async throws {
        let directory = try TemporaryDirectory()
        let files = try (0..<6).map { index in
            let bytes = Self.pseudoRandomBytes(Self.chunk * 3 + index * 1000, seed: UInt64(100 + index))
            return (path: try directory.write("file\(index).bin", bytes), hashes: try Self.sliceHashes(bytes, chunkSize: Self.chunk))
        }
        let pool = try BlockingPool(threadCount: 2)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool, readSize: 8192, pipelineBuffers: 2)

        let results = try await withThrowingTaskGroup(of: (String, [String]).self) { group in
            for file in files {
                group.addTask {
                    let result = try await hasher.firstVerification(
                        path: file.path, kind: .sha256, expectedSize: 0, chunkSize: Self.chunk)
                    return (file.path, result.chunkHashes)
                }
            }
            var results: [String: [String]] = [:]
            for try await (path, hashes) in group { results[path] = hashes }
            return results
        }
        for file in files { #expect(results[file.path] == file.hashes) }
    }

    @Test func progressIsIncreasingAndEndsWithTheTotal() async throws {
        let directory = try TemporaryDirectory()
        let size = 10 << 20 + 123
        let bytes = Self.pseudoRandomBytes(size, seed: 5)
        let path = try directory.write("file.bin", bytes)
        let pool = try BlockingPool(threadCount: 2)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool)
        let first = try await hasher.firstVerification(
            path: path, kind: .sha256, expectedSize: Int64(size), chunkSize: Self.chunk)

        for check in [false, true] {
            let seen = Mutex<[Int64]>([])
            let progress: @Sendable (Int64) -> Void = { value in seen.withLock { $0.append(value) } }
            if check {
                _ = try await hasher.damagedChunks(
                    path: path, expected: first.chunkHashes, chunkSize: Self.chunk, expectedSize: Int64(size),
                    progress: progress)
            } else {
                _ = try await hasher.firstVerification(
                    path: path, kind: .sha256, expectedSize: Int64(size), chunkSize: Self.chunk, progress: progress)
            }
            let values = seen.withLock { $0 }
            #expect(values.last == Int64(size))
            #expect(values == values.sorted() && Set(values).count == values.count)
            #expect(values.count >= 2 && values.count <= size / Int(FileHasher.progressInterval) + 1)
        }
    }

    // MARK: Re-verification

    /// A 3.5-chunk file, its chunk index, and a hasher on two threads.
    struct Indexed {
        let directory: TemporaryDirectory
        let path: String
        let bytes: [UInt8]
        let hashes: [String]
        let pool: BlockingPool
        let hasher: FileHasher

        init() async throws {
            directory = try TemporaryDirectory()
            bytes = HashingTests.pseudoRandomBytes(HashingTests.chunk * 7 / 2, seed: 42)
            path = try directory.write("shard.bin", bytes)
            pool = try BlockingPool(threadCount: 2)
            hasher = FileHasher(pool: pool, readSize: 20_000)
            hashes = try await hasher.firstVerification(
                path: path, kind: .sha256, expectedSize: Int64(bytes.count), chunkSize: HashingTests.chunk
            ).chunkHashes
        }

        func check() async throws -> FileHasher.Reverification {
            try await hasher.damagedChunks(
                path: path, expected: hashes, chunkSize: HashingTests.chunk, expectedSize: Int64(bytes.count))
        }

        func rewrite(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test func intactFileHasNoDamagedChunks() async throws {
        let file = try await Indexed()
        defer { file.pool.shutdown() }
        let result = try await file.check()
        #expect(result.damaged == [])
        #expect(result.bytesHashed == Int64(file.bytes.count))
        #expect(result.isIntact)
    }

    /// Byte offsets to flip, and the chunks that must then be damaged (chunks of 64 KiB,
    /// a file of 3.5 chunks).
    @Test(arguments: [
        ([0], [0]),
        ([chunk * 7 / 2 - 1], [3]),
        ([chunk * 2 + 1234], [2]),
        ([chunk - 1, chunk], [0, 1]),
        ([5, chunk * 3 + 5], [0, 3]),
    ])
    func flippedBytesDamageExactlyTheirChunks(offsets: [Int], damaged: [Int]) async throws {
        let file = try await Indexed()
        defer { file.pool.shutdown() }
        var bytes = file.bytes
        for offset in offsets { bytes[offset] ^= 0x01 }
        try file.rewrite(bytes)
        let result = try await file.check()
        #expect(result.damaged == damaged)
        #expect(result.bytesHashed == Int64(bytes.count))
        #expect(!result.isIntact)
    }

    @Test(arguments: [
        (chunk * 2 + chunk / 5, [2, 3]),  // ends inside chunk 2
        (chunk * 2, [2, 3]),  // ends at a chunk boundary
        (chunk * 7 / 2 - 1, [3]),  // one byte short
        (0, [0, 1, 2, 3]),
    ])
    func truncatedFileDamagesTheMissingChunks(length: Int, damaged: [Int]) async throws {
        let file = try await Indexed()
        defer { file.pool.shutdown() }
        try file.rewrite(Array(file.bytes[0..<length]))
        let result = try await file.check()
        #expect(result.damaged == damaged)
        #expect(result.bytesHashed == Int64(length))
        #expect(result.actualSize == Int64(length))
    }

    @Test func longerFileDamagesTheLastChunk() async throws {
        let file = try await Indexed()
        defer { file.pool.shutdown() }
        try file.rewrite(file.bytes + [1, 2, 3])
        let result = try await file.check()
        #expect(result.damaged == [3])
        #expect(result.actualSize == Int64(file.bytes.count + 3))
        #expect(result.bytesHashed == Int64(file.bytes.count))
        #expect(!result.isIntact)
    }

    @Test func reverificationRejectsAnIndexThatDoesNotFitTheSize() async throws {
        let file = try await Indexed()
        defer { file.pool.shutdown() }
        await #expect(throws: HashingError.self) {
            try await file.hasher.damagedChunks(
                path: file.path, expected: Array(file.hashes.dropLast()), chunkSize: Self.chunk,
                expectedSize: Int64(file.bytes.count))
        }
        await #expect(throws: HashingError.self) {
            try await file.hasher.damagedChunks(
                path: file.path, expected: file.hashes, chunkSize: 0, expectedSize: Int64(file.bytes.count))
        }
    }

    /// The progress callback blocks the pool's only thread at its first report (4 MiB
    /// into 24), which makes the moment of cancellation deterministic: the task is
    /// cancelled while no byte more can be hashed, and the hashing must then stop with
    /// `.cancelled` instead of finishing.
    @Test(arguments: [false, true])
    func cancellationStopsHashing(reverify: Bool) async throws {
        let directory = try TemporaryDirectory()
        let size = 24 << 20
        let path = try directory.write("big.bin", Self.pseudoRandomBytes(size, seed: 9))
        let pool = try BlockingPool(threadCount: 1)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool)
        let hashes = try await hasher.firstVerification(
            path: path, kind: .sha256, expectedSize: Int64(size), chunkSize: Self.chunk
        ).chunkHashes

        let (reports, reported) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        let once = Atomic<Bool>(false)
        let progress: @Sendable (Int64) -> Void = { _ in
            guard !once.exchange(true, ordering: .relaxed) else { return }
            reported.yield()
            // Released right after the cancel; the bound only keeps a broken test from
            // hanging, and is long enough that a loaded machine never reaches it first.
            _ = release.wait(timeout: .now() + 120)
        }
        let task = Task {
            if reverify {
                _ = try await hasher.damagedChunks(
                    path: path, expected: hashes, chunkSize: Self.chunk, expectedSize: Int64(size), progress: progress)
            } else {
                _ = try await hasher.firstVerification(
                    path: path, kind: .sha256, expectedSize: Int64(size), chunkSize: Self.chunk, progress: progress)
            }
        }
        for await _ in reports { break }
        task.cancel()
        release.signal()
        await #expect(throws: HashingError.cancelled) { try await task.value }
    }

    // MARK: Errors

    @Test func missingFileAndDirectoryAreClearErrors() async throws {
        let directory = try TemporaryDirectory()
        let pool = try BlockingPool(threadCount: 1)
        defer { pool.shutdown() }
        let hasher = FileHasher(pool: pool)
        let missing = directory.path + "/missing.bin"
        await #expect(throws: HashingError.openFailed(path: missing, cause: SystemError("open(\(missing))", errno: ENOENT))) {
            try await hasher.firstVerification(path: missing, kind: .sha256, expectedSize: 1)
        }
        await #expect(throws: HashingError.notARegularFile(path: directory.path)) {
            try await hasher.damagedChunks(path: directory.path, expected: [], chunkSize: Self.chunk, expectedSize: 0)
        }
        let error = HashingError.readFailed(path: "/x", offset: 4096, cause: SystemError("pread(/x)", errno: EIO))
        #expect(error.description == "read error in /x at byte 4096: pread(/x): Input/output error")
        #expect(error.code == "hash_read_failed")
    }


    // MARK: Helpers

    /// Deterministic bytes (xorshift64*), so a failure reproduces.
    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                var word = state &* 0x2545_F491_4F6C_DD1D
                for _ in 0..<8 where index < count {
                    buffer[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
        }
        return bytes
    }

    /// The chunk index recomputed from memory, one slice at a time.
    static func sliceHashes(_ bytes: [UInt8], chunkSize: Int) throws -> [String] {
        try stride(from: 0, to: bytes.count, by: chunkSize).map { start in
            try bytes.withUnsafeBytes { buffer in
                try StreamingDigest.hex(.sha256, of: UnsafeRawBufferPointer(rebasing: buffer[start..<min(start + chunkSize, bytes.count)]))
            }
        }
    }

    /// The first word a command prints (`openssl dgst -r` and `git hash-object` print the hex first).
    static func tool(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? ""
    }
}
