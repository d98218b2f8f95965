import Foundation
import ModeldCore
import Testing

@testable import ModeldProtocol

@Suite struct ClientEventTests {
    /// Whole seconds: the wire writes RFC 3339 without fractions.
    let time = Date(timeIntervalSince1970: 1_800_000_000)

    static let report = {
        var report = AdoptReport(model: "m", commit: String(repeating: "c", count: 40), mode: .link)
        report.linked = 11
        report.bytesAdopted = 31 << 30
        report.fetching = [AdoptFileNote(path: "Wan2.2_VAE.pth", reason: "not in the folder")]
        report.error = ProtocolError(.network, "the hub cannot be reached", hint: "modelctl pull m")
        return report
    }()

    @Test(arguments: [
        Event.Payload.modelState(model: "m", from: .queued, to: .downloading, reason: "pull"),
        .configReloaded(changed: ["downloads.max_retries"]),
        .verifyProgress(model: "m", filesDone: 1, filesTotal: 2),
        .verifyDone(model: "m", state: .available, verified: 3, missing: 0, corrupted: 0),
        .integrityDamaged(model: "m", file: "f", damagedRanges: [ByteRange(0, 16)], reason: "hash", source: .scrub),
        .integrityMissing(model: "m", files: ["a", "b"], source: .watch),
        .downloadProgress(model: "m", bytesDone: 12_000_000_000, bytesTotal: 34_203_123_497, speedBytesPerSecond: 1, etaSeconds: 212),
        .downloadProgress(model: "m", bytesDone: 0, bytesTotal: 1, speedBytesPerSecond: 0, etaSeconds: nil),
        .downloadRetry(model: "m", file: "f", attempt: 1, max: 3, delaySeconds: 2.5, error: "reset"),
        .downloadDone(model: "m", bytesFetched: 10, retries: 1),
        .downloadFailed(model: "m", error: ProtocolError(.network, "gone", hint: "check the network")),
        .repairDone(model: "m", file: "f", bytesFetched: 1 << 24),
        .diskLow(path: "/var/lib/modeld/hub", freeBytes: 1 << 30, thresholdBytes: 50 << 30, suggestions: [
            Recommendation(command: "modelctl evict t2v-A14B", why: "never used", freesBytes: 126 << 30),
        ]),
        .lagged(dropped: 4),
        .update(.available, model: "m", current: "a", latest: "b", detail: nil),
        .updateProgress(model: "m", latest: "b", bytesDone: 1, bytesTotal: 2, speedBytesPerSecond: 3, etaSeconds: nil),
        .update(.rolledBack, model: "m", current: "b", latest: "a", detail: "3 of the first 5 generations on it failed"),
        .adoptProgress(model: "m", filesDone: 2, filesTotal: 12, bytesDone: 9 << 30, bytesTotal: 31 << 30),
        .adoptDone(ClientEventTests.report),
    ])
    func whatTheDaemonWritesAClientReadsBack(_ payload: Event.Payload) throws {
        let event = Event(payload, time: time)
        let read = try ClientEvent(line: event.line(seq: 7))
        #expect(read == ClientEvent(name: event.name, seq: 7, event: event))
    }

    @Test func anUnknownEventKeepsItsName() throws {
        let read = try ClientEvent(line: Data(#"{"event":"disk.low","seq":3,"time":"2026-11-21T10:00:00Z","free_bytes":1}"#.utf8))
        #expect(read == ClientEvent(name: "disk.low", seq: 3, event: nil))
    }

    @Test func aLineThatIsNotAnEventThrows() {
        #expect(throws: (any Error).self) { try ClientEvent(line: Data(#"{"ok":true}"#.utf8)) }
    }
}
