import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Under systemd (JOURNAL_STREAM set) the log goes to journald as structured fields.
@Suite(.timeLimit(.minutes(10))) struct JournalTests {
    @Test func logRecordsArriveWithTheirFields() throws {
        let journal = try Journald()
        defer { journal.stop() }
        let daemon = try DaemonHarness()
        try daemon.startReady(journal: journal)
        // The "listening" record carries the socket path as metadata: SOCKET= finds it.
        var entries: [[String: JSONValue]] = []
        try waitUntil("the daemon's records in the journal") {
            entries = try journal.entries(["SYSLOG_IDENTIFIER=modeld", "SOCKET=\(daemon.socketPath)"])
            return !entries.isEmpty
        }
        let record = try #require(entries.first)
        #expect(record["MESSAGE"] == .string("listening"))
        #expect(record["PRIORITY"] == .string("6"))
        #expect(record["CODE_FILE"]?.string?.hasSuffix("ControlServer.swift") == true)
        #expect(record["CODE_FUNC"]?.string?.hasPrefix("run") == true)
        #expect(record["CODE_LINE"]?.string.flatMap { Int($0) } != nil)
        #expect(record["_PID"] == .string("\(daemon.process?.pid ?? 0)"))
        // Nothing went to stderr: the journal took every record.
        #expect(daemon.process?.errorOutput.isEmpty == true)
    }

    @Test func aStaleJournalStreamIsNotTrusted() throws {
        let daemon = try DaemonHarness()
        // A wrapper redirected stderr after systemd set the variable: it names another stream.
        try daemon.startReady(environment: ["JOURNAL_STREAM": "8:12345"])
        try waitUntil("the log on stderr") { daemon.process?.errorOutput.contains("listening socket=") == true }
    }
}
