import Foundation
import Glibc
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The daemon as systemd sees it: a notify socket the test binds plays the manager.
@Suite(.timeLimit(.minutes(10))) struct SystemdIntegrationTests {
    @Test func readyAndStatusOnceListeningThenStoppingFirstOnShutdown() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        // STATUS= follows the models: first not checked, then missing (no hub, no files).
        #expect(daemon.notify.assignments.contains { $0.hasPrefix("STATUS=2 models: ") })
        try daemon.notify.waitFor("STATUS=2 models: 2 missing")
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "READY=1 comes after the socket listens")
        #expect(try daemon.request("version").ok)

        #expect(try daemon.stop() == 0)
        let lines = daemon.notify.assignments
        let stopping = try #require(lines.firstIndex(of: "STOPPING=1"))
        #expect(stopping > (lines.firstIndex(of: "READY=1") ?? 0))
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the socket file it made is removed")
    }

    @Test func watchdogPingsAtHalfTheInterval() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady(environment: ["WATCHDOG_USEC": "200000"])
        try daemon.notify.waitFor("WATCHDOG=1", count: 5, timeout: .seconds(5))
    }

    @Test func sighupReloadsAndTellsSystemd() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        try daemon.directory.write("modeld.d/50-more.toml", "[[model]]\nid = \"added\"\nrepo = \"test-org/added\"\n")
        daemon.process?.signal(SIGHUP)
        try daemon.waitUntilReady(count: 2)
        let lines = daemon.notify.assignments
        let reloading = try #require(lines.firstIndex(of: "RELOADING=1"))
        #expect(lines[reloading + 1].hasPrefix("MONOTONIC_USEC="))
        #expect(UInt64(lines[reloading + 1].dropFirst("MONOTONIC_USEC=".count)) != nil)
        try daemon.notify.waitFor("STATUS=3 models: 3 missing")
        let status = try daemon.request("status").decode(StatusResult.self)
        #expect(status.models.map(\.model) == ["tiny", "small", "added"])

        try daemon.directory.write("modeld.d/60-store.toml", "[daemon]\nlinks_dir = \"/tmp/elsewhere\"\n[hub]\noffline = true\n")
        let result = try daemon.request("reload").decode(ReloadResult.self)
        #expect(result.changed == ["daemon.links_dir", "hub.offline"])
        #expect(result.restartNeeded == ["daemon.links_dir"], "the hub's settings apply at once")
    }

    @Test func aFailedReloadKeepsTheRunningConfiguration() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let broken = try daemon.directory.write("modeld.d/90-broken.toml", "[downloads]\nmax_retries = \"many\"\n")
        daemon.process?.signal(SIGHUP)
        try daemon.waitUntilReady(count: 2)
        #expect(try daemon.request("status").decode(StatusResult.self).models.count == 2)

        let response = try daemon.request("reload")
        let error = try #require(response.error)
        #expect(error.code == .configInvalid)
        #expect(error.message.contains("\(broken):2: downloads.max_retries: expected a whole number"))
        #expect(daemon.process?.hasExited == false)
    }

    @Test func socketActivationUsesThePassedDescriptor() throws {
        let daemon = try DaemonHarness()
        let activated = daemon.directory.file("activated.sock")
        let fd = try UnixAddress.listeningSocket(at: activated)
        defer { close(fd) }
        try daemon.startSocketActivated(listening: fd)
        try daemon.waitUntilReady()
        let version = try ControlClient(path: activated, timeout: .seconds(10)).request("version").decode(VersionResult.self)
        #expect(version.pid == daemon.process?.pid)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the configured path is not bound")
        #expect(try daemon.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: activated), "a socket systemd owns is left to systemd")
    }
}
