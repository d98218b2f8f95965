import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `modelctl doctor` against the real daemon: each fault a deployment meets is arranged
/// (a read-only store, a full disk, a low inotify limit, a dead hub, a bad token, no
/// nvidia-smi, no daemon) and doctor must name it, with exit status 1 for a failure.
/// Units are looked for in the test's own folder, never the host's.
@Suite(.timeLimit(.minutes(10))) struct DoctorTests {
    static let openRepo = "test-org/open"
    static let gatedRepo = "test-org/gated"

    /// A public repo and a gated one; `approved`: the only tokens the gated one accepts.
    static func hub(approved: Set<String>? = nil) throws -> TestHub {
        var gated = TestRepo(gatedRepo, files: [TestFile("config.json", text: "{}")], gated: true)
        gated.approvedTokens = approved
        return try TestHub(repos: [TestRepo(openRepo, files: [TestFile("config.json", text: "{}")]), gated])
    }

    /// No reserve and no warning threshold unless a test sets them: the machine's own free
    /// space must not decide what a test sees.
    static func daemon(store: String? = nil, disk: String = "reserve = \"0\"\nwarn_below = \"0\"", hub: String = "") throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0660"
            store_dir = "\(store ?? daemon.directory.file("cache"))"

            [disk]
            \(disk)

            [hub]
            \(hub)

            [[model]]
            id = "open"
            repo = "\(openRepo)"
            tasks = ["t2v"]

            [[model]]
            id = "gated"
            repo = "\(gatedRepo)"
            tasks = ["t2v"]
            """)
        return daemon
    }

    static func doctor(_ daemon: DaemonHarness, _ options: [String] = ["--json"]) throws -> (status: Int32, output: String, error: String) {
        try daemon.directory.write("units/modeld.service", "")
        try daemon.directory.write("units/modeld.socket", "")
        return try daemon.modelctl(
            ["--socket", daemon.socketPath, "doctor"] + options, environment: ["SYSTEMD_UNIT_PATH": daemon.directory.file("units")])
    }

    /// The checks `doctor --json` printed.
    static func checks(_ daemon: DaemonHarness) throws -> (status: Int32, checks: [DoctorCheck]) {
        let run = try doctor(daemon)
        let result = try WireCodec.decoder.decode(DoctorResult.self, from: Data(run.output.utf8))
        return (run.status, result.checks)
    }

    static func only(_ name: String, in checks: [DoctorCheck]) throws -> DoctorCheck {
        let named = checks.filter { $0.name == name }
        #expect(named.count == 1, "\(checks)")
        return try #require(named.first, "no \(name) check in \(checks)")
    }

    @Test func aHealthyInstallPassesEveryCheck() throws {
        let hub = try Self.hub()
        defer { hub.shutdown() }
        // The hub's own resolve URLs stand in for a mirror's.
        let daemon = try Self.daemon(hub: "mirrors = [\"\(hub.endpoint)\"]")
        try ResourcesTests.fakeNvidiaSMI(
            #"case "$*" in *--query-gpu*) cat "\#(try ResourcesTests.fixture("h200_590.48.01_query-gpu_full_load.csv"))" ;; esac"#, in: daemon)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint, "HF_TOKEN": TestHub.token])

        let run = try Self.doctor(daemon, [])
        #expect(run.status == 0, "\(run.output)\(run.error)")
        let asked = hub.log.requests
        let (_, checks) = try Self.checks(daemon)
        #expect(hub.log.requests.count == asked.count, "a doctor right after another asks the hub nothing new")
        let files = asked.filter { $0.method == "HEAD" }.map { "\($0.repo ?? "?") token: \($0.authorization != nil)" }
        #expect(files == ["\(Self.gatedRepo) token: true", "\(Self.openRepo) token: false"], "the gated file with the token, the mirror without")
        #expect(checks.allSatisfy { $0.status == .ok }, "\(checks.filter { $0.status != .ok })")
        for name in ["daemon", "protocol", "socket", "config", "store_writable", "filesystem", "disk", "inotify", "hub", "token", "mirror", "gpu", "access", "units"] {
            #expect(checks.contains { $0.name == name }, "no \(name) check")
        }
        #expect(try Self.only("token", in: checks).detail == "the token from HF_TOKEN may read the gated \(Self.gatedRepo)")
        #expect(try Self.only("gpu", in: checks).detail.contains("NVIDIA H200, 140 GB"))
        #expect(try Self.only("mirror", in: checks).detail == "\(hub.endpoint) serves \(Self.openRepo)")
        #expect(run.output.contains("ok    store_writable  \(daemon.directory.file("cache")): a file was created, synced and removed"), "\(run.output)")
        #expect(run.output.hasSuffix("all \(checks.count) checks passed\n"), "\(run.output)")
        #expect(!run.output.contains(TestHub.token), "the token is never shown")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: daemon.directory.file("cache")).filter { $0.hasPrefix(".modeld-doctor") }
        #expect(leftovers.isEmpty, "the probe file is removed")
    }

    @Test func aReadOnlyStoreIsNamed() throws {
        let filesystem = try SmallFilesystem(megabytes: 8)
        let daemon = try Self.daemon(store: filesystem.path)
        try daemon.startReady()
        try filesystem.remountReadOnly()

        let run = try Self.doctor(daemon, [])
        #expect(run.status == 1)
        #expect(run.output.contains("fail  store_writable  the daemon cannot write in \(filesystem.path): open("), "\(run.output)")
        #expect(run.output.contains("Read-only file system"), "\(run.output)")
        #expect(run.output.contains("fix: give the daemon's user write access"), "\(run.output)")
        #expect(try Self.only("filesystem", in: Self.checks(daemon).checks).status == .warn, "tmpfs is emptied at reboot")
    }

    @Test func aFullDiskIsNamedAgainstTheReserve() throws {
        let filesystem = try SmallFilesystem(megabytes: 8)
        let daemon = try Self.daemon(store: filesystem.path, disk: "reserve = \"4MiB\"\nwarn_below = \"6MiB\"")
        try daemon.startReady()
        try daemon.directory.write("filler", [UInt8](repeating: 1, count: 5 << 20))
        try FileManager.default.moveItem(atPath: daemon.directory.file("filler"), toPath: filesystem.path + "/filler")

        let (status, checks) = try Self.checks(daemon)
        #expect(status == 1)
        let store = try #require(checks.first { $0.name == "disk" && $0.detail.contains(filesystem.path) }, "\(checks)")
        #expect(store.status == .fail && store.detail.contains("at or under [disk] reserve 4 MiB"), "\(store)")
        #expect(store.fix?.contains("modelctl cleanup") == true)
    }

    @Test func aLowInotifyLimitIsNamed() throws {
        let daemon = try Self.daemon()
        // A store with more folders to watch than the limit allows.
        for folder in ["blobs", "refs", "snapshots"] {
            try FileManager.default.createDirectory(
                atPath: daemon.directory.file("cache/models--test-org--open/" + folder), withIntermediateDirectories: true)
        }
        // A user namespace of its own, whose limit (user.max_inotify_watches) its root may
        // lower: the machine's stays as it is.
        try daemon.startReady(launcher: [
            "/usr/bin/unshare", "--user", "--map-root-user", "/bin/sh", "-c",
            #"echo 1 > /proc/sys/user/max_inotify_watches && exec "$0" "$@""#,
        ])

        // The watcher looks at the store just after the daemon is ready.
        var seen: DoctorCheck?
        try waitUntil("the watcher to have found the folders it needs (last: \(String(describing: seen)))") {
            seen = try Self.only("inotify", in: Self.checks(daemon).checks)
            return seen?.status != .warn
        }
        let (status, checks) = try Self.checks(daemon)
        #expect(status == 1)
        let inotify = try Self.only("inotify", in: checks)
        #expect(inotify.status == .fail, "\(inotify)")
        #expect(inotify.detail.contains("user.max_inotify_watches allows 1 and the watcher ran out"), "\(inotify)")
        #expect(inotify.fix?.hasPrefix("sysctl -w user.max_inotify_watches=524288") == true, "\(inotify)")
        // The log says the same, in the same words, when the watcher runs out.
        let warning = daemon.process?.errorOutput.split(separator: "\n").first { $0.contains("out of inotify watches") } ?? ""
        #expect(warning.contains("user.max_inotify_watches allows 1") && warning.contains("sysctl -w user.max_inotify_watches="), "\(warning)")
    }

    @Test func aDeadHubIsNamed() throws {
        let hub = try Self.hub()
        let daemon = try Self.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        hub.shutdown()

        let (status, checks) = try Self.checks(daemon)
        #expect(status == 1)
        let check = try Self.only("hub", in: checks)
        #expect(check.status == .fail && check.detail.hasPrefix("cannot reach \(hub.endpoint): "), "\(check)")
        #expect(!checks.contains { $0.name == "token" }, "nothing to say of the token without a hub")
    }

    @Test func aRefusedTokenAnUnapprovedOneAndNoneAreNamed() throws {
        let hub = try Self.hub(approved: ["hf_someone_else"])
        defer { hub.shutdown() }
        let daemon = try Self.daemon()
        let wrong = "hf_not_a_token_the_hub_knows"
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint, "HF_TOKEN": wrong])
        let refused = try Self.doctor(daemon)
        #expect(!refused.output.contains(wrong) && !refused.error.contains(wrong), "the token is never shown")
        var checks = try Self.checks(daemon).checks
        #expect(try Self.only("hub", in: checks).status == .ok, "the hub answers; it is the token it refuses")
        var token = try Self.only("token", in: checks)
        #expect(token.status == .fail && token.detail.hasPrefix("the hub refuses the token from HF_TOKEN: HTTP 401"), "\(token)")
        #expect(token.fix?.contains("HF_TOKEN") == true)

        try daemon.stop()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint, "HF_TOKEN": TestHub.token])
        checks = try Self.checks(daemon).checks
        token = try Self.only("token", in: checks)
        #expect(token.status == .fail && token.detail.contains("may not read the gated \(Self.gatedRepo) (gated): HTTP 403"), "\(token)")
        #expect(token.fix?.hasPrefix("accept the conditions on \(hub.endpoint)/\(Self.gatedRepo)") == true, "\(token)")

        try daemon.stop()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        token = try Self.only("token", in: Self.checks(daemon).checks)
        #expect(token.status == .fail && token.detail == "\(Self.gatedRepo) (gated) is gated and the daemon has no token", "\(token)")
    }

    @Test func noNvidiaSMIIsAWarningAndAConfigThatNoLongerLoadsAFailure() throws {
        let daemon = try Self.daemon()
        try daemon.startReady()
        var checks = try Self.checks(daemon).checks
        let gpu = try Self.only("gpu", in: checks)
        #expect(gpu.status == .warn && gpu.detail.hasPrefix("no GPU seen, so acquire cannot check VRAM: nvidia-smi was not found"), "\(gpu)")
        #expect(try Self.only("config", in: checks).status == .ok)

        try daemon.directory.write("modeld.toml", "[downloads]\nmax_retries = \"many\"\n")
        checks = try Self.checks(daemon).checks
        let config = try Self.only("config", in: checks)
        #expect(config.status == .fail && config.detail.contains("downloads.max_retries"), "\(config)")
    }

    @Test func noDaemonIsAFailureThatSaysHowToStartIt() throws {
        let daemon = try Self.daemon()
        let run = try Self.doctor(daemon, [])
        #expect(run.status == 1)
        #expect(run.output.contains("fail  daemon  no socket at \(daemon.socketPath)"), "\(run.output)")
        #expect(run.output.contains("fix: sudo systemctl start modeld"), "\(run.output)")
        #expect(run.output.contains("ok    units"), "\(run.output)")
    }
}
