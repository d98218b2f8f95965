import Foundation
import ModeldTestSupport
import Testing

/// The systemd units as systemd itself reads them.
@Suite(.timeLimit(.minutes(10))) struct UnitFileTests {
    @Test func unitsVerifyWithoutASingleWarning() throws {
        let analyze = try #require(ChildProcess.which("systemd-analyze"), "systemd-analyze (package systemd) is needed")
        let units = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../units")
            .standardizedFileURL
        let directory = try TemporaryDirectory()
        // systemd-analyze checks that ExecStart exists: point it at the binary just built.
        let service = try String(contentsOf: units.appendingPathComponent("modeld.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/modeld", with: Binaries.modeld)
        #expect(service.contains(Binaries.modeld))
        try directory.write("modeld.service", service)
        try directory.write("modeld.socket", try String(contentsOf: units.appendingPathComponent("modeld.socket"), encoding: .utf8))
        let run = try ChildProcess.run(
            analyze, ["verify", directory.file("modeld.service"), directory.file("modeld.socket")], in: directory.path)
        #expect(run.status == 0)
        // It exits 0 on warnings too: only empty output means the units are clean.
        #expect(run.output.isEmpty && run.error.isEmpty, "\(run.output)\(run.error)")
    }

    @Test func theServiceKeepsTheContractsSettings() throws {
        let service = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../units/modeld.service"),
            encoding: .utf8)
        for line in [
            "Type=notify", "NotifyAccess=main", "WatchdogSec=30s", "Restart=on-failure", "RestartPreventExitStatus=78",
            "ExecReload=/bin/kill -HUP $MAINPID", "User=modeld", "StateDirectory=modeld", "RuntimeDirectory=modeld",
            "ProtectSystem=strict", "NoNewPrivileges=yes", "SystemCallFilter=@system-service",
        ] {
            #expect(service.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == line }, "\(line)")
        }
    }
}
