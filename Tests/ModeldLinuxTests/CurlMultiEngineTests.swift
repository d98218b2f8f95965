import Foundation
import Glibc
import ModeldCore
import ModeldTestSupport
import Testing

@testable import ModeldLinux

/// The transfer engine against the test hub on loopback: ranges in parallel land at
/// their offsets; resets, ignored ranges, errors and a full disk are reported as they are.
@Suite(.timeLimit(.minutes(10))) struct CurlMultiEngineTests {
    static let size = 3 << 20
    let file = TestFile("model.safetensors", size: CurlMultiEngineTests.size, seed: 9)

    func hub(gated: Bool = false) throws -> TestHub {
        try TestHub(repos: [TestRepo("org/model", files: [file], gated: gated)])
    }

    /// A file of the right size to write into, and its descriptor.
    func target(_ directory: TemporaryDirectory) throws -> (path: String, fd: Int32) {
        let path = directory.file("model.incomplete")
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        try #require(ftruncate(fd, off_t(Self.size)) == 0)
        return (path, fd)
    }

    @Test func rangesFetchedInParallelLandAtTheirOffsetsAndTheTokenStaysOffTheCDN() async throws {
        let hub = try hub(gated: true)
        defer { hub.shutdown() }
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let directory = try TemporaryDirectory()
        let (path, fd) = try target(directory)
        defer { close(fd) }
        let url = hub.resolveURL("org/model", file.path)
        let halves = SegmentPlanner.pieces(missing: [ByteRange(0, Int64(Self.size))], pieceSize: Int64(Self.size / 2))
        #expect(halves.count == 2)
        let outcomes = await withTaskGroup(of: CurlMultiEngine.Outcome.self) { group in
            for half in halves {
                group.addTask {
                    await engine.run(.init(url: url, range: half, bearerToken: TestHub.token, file: fd))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.status == 206 && $0.failure == nil && !$0.rangeIgnored })
        #expect(outcomes.map(\.bytesWritten).reduce(0, +) == Int64(Self.size))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(file.content))
        #expect(hub.log.requests(on: .cdn).count == 2)
        #expect(hub.log.requests(on: .cdn).allSatisfy { $0.authorization == nil }, "the token never reaches the CDN")
        #expect(hub.log.requests(on: .hub).allSatisfy { $0.authorization == "Bearer \(TestHub.token)" })
    }

    @Test func aResetLeavesWhatArrivedAndTheRestResumesFromThere() async throws {
        let hub = try hub()
        defer { hub.shutdown() }
        hub.faults.enqueue(.resetAfter(bytes: 1_000_000), for: .download(file.path))
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let directory = try TemporaryDirectory()
        let (path, fd) = try target(directory)
        defer { close(fd) }
        let url = hub.resolveURL("org/model", file.path)
        let cut = await engine.run(.init(url: url, range: ByteRange(0, Int64(Self.size)), file: fd))
        #expect(cut.failure != nil, "a body cut short is a failure")
        #expect(cut.bytesWritten > 0 && cut.bytesWritten <= 1_000_000)
        let rest = await engine.run(.init(url: url, range: ByteRange(cut.bytesWritten, Int64(Self.size)), file: fd))
        #expect(rest.failure == nil && rest.status == 206)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(file.content))
        #expect(hub.log.bodyBytesSent(file: file.path) < Self.size + Self.size / 10, "only the missing bytes were sent again")
    }

    @Test func aCDNThatClosesWithoutAnsweringIsAFailureWithNoStatusNotTheRedirect() async throws {
        let hub = try hub()
        defer { hub.shutdown() }
        hub.faults.enqueue(.disconnect, for: .listener(.cdn))
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let directory = try TemporaryDirectory()
        let (_, fd) = try target(directory)
        defer { close(fd) }
        let outcome = await engine.run(.init(url: hub.resolveURL("org/model", file.path), range: ByteRange(0, 100), file: fd))
        #expect(outcome.status == 0, "the hub's 302 is not the answer")
        #expect(outcome.failure != nil)
        #expect(outcome.bytesWritten == 0)
    }

    @Test func aServerThatIgnoresTheRangeWritesNothing() async throws {
        let hub = try hub()
        defer { hub.shutdown() }
        hub.faults.enqueue(.ignoreRange, for: .download(file.path))
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let directory = try TemporaryDirectory()
        let (path, fd) = try target(directory)
        defer { close(fd) }
        let outcome = await engine.run(.init(url: hub.resolveURL("org/model", file.path), range: ByteRange(1000, 2000), file: fd))
        #expect(outcome.rangeIgnored && outcome.status == 200 && outcome.bytesWritten == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(count: Self.size), "the file is untouched")
    }

    @Test func anErrorStatusIsReportedAndItsBodyNeverWritten() async throws {
        let hub = try hub()
        defer { hub.shutdown() }
        hub.faults.enqueue(.status(503, retryAfter: 2), for: .download(file.path))
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let directory = try TemporaryDirectory()
        let (path, fd) = try target(directory)
        defer { close(fd) }
        let outcome = await engine.run(.init(url: hub.resolveURL("org/model", file.path), range: ByteRange(0, 100), file: fd))
        #expect(outcome.status == 503 && outcome.bytesWritten == 0)
        #expect(RetryPolicy.retryAfter(outcome.headers["retry-after"]) == .seconds(2))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(count: Self.size))
    }

    @Test func aFullDiskIsNamed() async throws {
        let hub = try hub()
        defer { hub.shutdown() }
        let engine = try CurlMultiEngine()
        defer { engine.shutdown() }
        let full = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(full >= 0)
        defer { close(full) }
        let outcome = await engine.run(.init(url: hub.resolveURL("org/model", file.path), range: ByteRange(0, 100_000), file: full))
        #expect(outcome.writeErrno == ENOSPC)
        #expect(outcome.failure?.description.contains("No space left on device") == true, "\(String(describing: outcome.failure))")
    }
}
