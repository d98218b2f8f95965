import Foundation
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `report` and `release` with figures out of bounds: refused with `bad_request`, and
/// nothing stored (no use in the ledger, the lease still in force).
@Suite(.timeLimit(.minutes(10))) struct UsageBoundsTests {
    typealias Arguments = [String: JSONValue]

    /// Just under the 1 MiB line limit with the rest of a `report`.
    static let almostAMebibyte = String(repeating: "e", count: WireCodec.maximumLineBytes - 200)

    static func expectRefused(_ response: Response, saying words: String, _ comment: Comment? = nil) {
        #expect(response.error?.code == .badRequest, comment)
        #expect(response.error?.message.contains(words) == true, "\(response.error?.message ?? "no error")")
        #expect(response.error?.hint?.isEmpty == false, "a hint says what to send instead")
        #expect((try? WireCodec.encoder.encode(response.error))?.count ?? 0 < 4096, "the answer does not quote the junk")
    }

    @Test func reportsOutOfBoundsAreRefusedAndNotStored() async throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": DaemonHarness.noHub])
        let client = try daemon.client()
        let good: Arguments = ["model": .string(AvailabilityTests.small), "duration_s": .number(93.5), "success": .bool(true)]
        func report(_ extra: Arguments) throws -> Response { try client.request("report", good.merging(extra) { $1 }) }

        Self.expectRefused(try report(["error": .string(Self.almostAMebibyte)]), saying: "\"error\" is")
        let manyBigOnes = Arguments(uniqueKeysWithValues: (0..<20).map { ("figure\($0)", .string(String(repeating: "x", count: 50 << 10))) })
        Self.expectRefused(try report(manyBigOnes), saying: "at most 1024")
        let tooMany = Arguments(uniqueKeysWithValues: (0..<40).map { ("figure\($0)", .number(Double($0))) })
        Self.expectRefused(try report(tooMany), saying: "at most 32")
        Self.expectRefused(try report([String(repeating: "n", count: 200): .number(1)]), saying: "name")
        Self.expectRefused(try report(["duration_s": .number(-1)]), saying: "duration_s")
        Self.expectRefused(try report(["duration_s": .number(8 * 86_400)]), saying: "7 days")
        Self.expectRefused(try report(["frames": .number(1e300)]), saying: "frames")
        Self.expectRefused(try report(["steps": .object(["a": .number(1)])]), saying: "steps")
        // The figures the performance baseline compares must be of their kind.
        Self.expectRefused(try report(["seconds_per_step": .string("fast")]), saying: "seconds_per_step")
        Self.expectRefused(try report(["frames": .number(1.5)]), saying: "frames")
        Self.expectRefused(try report(["resolution": .number(720)]), saying: "resolution")
        Self.expectRefused(try report(["model": .string(String(repeating: "m", count: 4096))]), saying: "\"model\" is")
        // Not a finite number: the line is not JSON a client may send.
        try client.send(line: Data(#"{"cmd":"report","model":"ti2v-small","duration_s":1e999,"success":true}"#.utf8))
        let infinite = try WireCodec.decoder.decode(Response.self, from: try #require(try client.readLine()))
        #expect(infinite.error?.code == .badRequest)

        let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
        #expect(try await ledger.uses(of: AvailabilityTests.small, since: .distantPast).isEmpty, "nothing was stored")
        #expect(try report(["frames": .number(121), "error": .string("CUDA out of memory")]).ok, "and the connection is still usable")
        let uses = try await ledger.uses(of: AvailabilityTests.small, since: .distantPast)
        #expect(uses.map(\.metrics) == [#"{"error":"CUDA out of memory"}"#] && uses.map(\.frames) == [121])
    }

    @Test func aReleaseOutOfBoundsLeavesTheLeaseInForce() async throws {
        let repo = AvailabilityTests.repo(AvailabilityTests.bigRepo)
        let hub = try TestHub(repos: [repo, AvailabilityTests.repo(AvailabilityTests.smallRepo)])
        defer { hub.shutdown() }
        let daemon = try AvailabilityTests.daemon()
        try HFCacheWriter.write(repo, into: daemon.directory.file("cache"))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState(AvailabilityTests.big, .available)
        let client = try daemon.client()
        let lease = try #require(try AvailabilityTests.acquire(client, AvailabilityTests.big).lease)
        func release(_ extra: Arguments) throws -> Response {
            try client.request("release", (["lease": .string(lease)] as Arguments).merging(extra) { $1 })
        }

        Self.expectRefused(try release(["duration_s": .number(-5)]), saying: "duration_s")
        Self.expectRefused(try release(["duration_s": .number(1e12)]), saying: "7 days")
        Self.expectRefused(try release(["error": .string(Self.almostAMebibyte)]), saying: "\"error\" is")
        Self.expectRefused(try release(["lease": .string(String(repeating: "l", count: 2048))]), saying: "\"lease\" is")
        #expect(try !daemon.request("evict", ["model": .string(AvailabilityTests.big)]).ok, "the lease still holds the model")

        let ledger = try Ledger(path: daemon.stateDirectory + "/ledger.sqlite")
        #expect(try await ledger.uses(of: AvailabilityTests.big, since: .distantPast).isEmpty, "nothing was stored")
        #expect(try release(["success": .bool(true), "duration_s": .number(42), "frames": .number(121)]).ok)
        let uses = try await ledger.uses(of: AvailabilityTests.big, since: .distantPast)
        #expect(uses.map(\.durationSeconds) == [42])
        #expect(uses.map(\.frames) == [121], "release keeps its figures as report does")
    }
}
