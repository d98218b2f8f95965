import Foundation
import ModeldCore
import Testing

/// `modelctl doctor`'s verdicts, from the figures alone: thresholds, the wording that
/// names the fault, and the fix that goes with it.
@Suite struct DoctorJudgeTests {
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    static let endpoint = "https://hub.example"
    static let gatedInfo = HubRevisionInfo(commit: String(repeating: "a", count: 40), gated: true, files: ["config.json"])
    static let openInfo = HubRevisionInfo(commit: String(repeating: "b", count: 40), gated: false, files: ["config.json"])

    static func finding(_ model: String, _ reply: HubReply, file: HubReply? = nil) -> DoctorJudge.HubFinding {
        DoctorJudge.HubFinding(model: model, repo: "org/\(model)", revision: "main", revisionReply: reply, fileReply: file)
    }

    @Test func configIsOkWhenItLoadsAsRunWarnsWhenChangedAndFailsWhenBroken() {
        #expect(DoctorJudge.config(.success([])).status == .ok)
        let changed = DoctorJudge.config(.success(["disk.reserve"]))
        #expect(changed.status == .warn && changed.detail.contains("disk.reserve") && changed.fix == "modelctl reload")
        let broken = DoctorJudge.config(.failure(ConfigError(file: "/etc/modeld/modeld.toml", line: 3, key: "disk.reserve", message: "not a size")))
        #expect(broken.status == .fail && broken.detail.contains("/etc/modeld/modeld.toml:3: disk.reserve: not a size"))
        #expect(broken.fix?.contains("modeld --check-config") == true)
    }

    @Test func aStoreThatTakesNoWriteFailsWithTheCallThatSaidSo() {
        #expect(DoctorJudge.storeWritable("/store", Result<Void, Refused>.success(())).status == .ok)
        let check = DoctorJudge.storeWritable("/store", Result<Void, Refused>.failure(Refused(description: "open(/store/x): Read-only file system")))
        #expect(check.name == "store_writable" && check.status == .fail)
        #expect(check.detail == "the daemon cannot write in /store: open(/store/x): Read-only file system; no download, repair or update can finish")
    }

    @Test func filesystemsAreNamedAndVolatileOrRemoteOnesWarned() {
        #expect(FilesystemType(magic: 0xEF53).name == "ext4")
        #expect(FilesystemType(magic: 0x1234).description == "type 0x1234")
        #expect(DoctorJudge.filesystem("/s", Result<FilesystemType, Refused>.success(FilesystemType(magic: 0x5846_5342))).detail == "/s is on xfs")
        let tmpfs = DoctorJudge.filesystem("/s", Result<FilesystemType, Refused>.success(FilesystemType(magic: 0x0102_1994)))
        #expect(tmpfs.status == .warn && tmpfs.detail.contains("emptied at every reboot"))
        let nfs = DoctorJudge.filesystem("/s", Result<FilesystemType, Refused>.success(FilesystemType(magic: 0x6969)))
        #expect(nfs.status == .warn && nfs.detail.contains("inotify"))
        #expect(DoctorJudge.filesystem("/s", Result<FilesystemType, Refused>.failure(Refused(description: "x"))).status == .warn)
    }

    @Test func freeSpaceFailsAtTheReserveAndWarnsUnderWarnBelow() {
        func judge(_ free: Int64) -> DoctorCheck {
            DoctorJudge.freeSpace(paths: ["/store"], free: free, total: 100 << 30, reserve: 5 << 30, warnBelow: 50 << 30)
        }
        #expect(judge(60 << 30).status == .ok)
        #expect(judge(50 << 30).status == .ok, "warn_below is a strict lower bound")
        #expect(judge((50 << 30) - 1).status == .warn)
        #expect(judge(5 << 30).status == .fail, "at the reserve no download can start")
        #expect(judge(1 << 30).detail == "1 GiB free of 100 GiB on /store, at or under [disk] reserve 5 GiB: no download can start")
    }

    @Test func inotifyFailsPastTheLimitOrOnceExhaustedAndWarnsOverHalf() {
        let limit = Result<InotifyLimit, Refused>.success(InotifyLimit(watches: 100, key: "fs.inotify.max_user_watches"))
        #expect(DoctorJudge.inotify(limit: limit, needed: 40, exhausted: false).status == .ok)
        #expect(DoctorJudge.inotify(limit: limit, needed: 60, exhausted: false).status == .warn)
        let over = DoctorJudge.inotify(limit: limit, needed: 101, exhausted: false)
        #expect(over.status == .fail && over.detail.hasPrefix("the store needs 101 watches, fs.inotify.max_user_watches allows 100"))
        #expect(over.fix == "sysctl -w fs.inotify.max_user_watches=524288, and put fs.inotify.max_user_watches = 524288 in /etc/sysctl.d/90-modeld.conf")
        #expect(DoctorJudge.inotify(limit: limit, needed: 10, exhausted: true).status == .fail, "the watcher already ran out")
        #expect(DoctorJudge.inotify(limit: limit, needed: nil, exhausted: false).status == .warn, "the watcher is still starting")
        #expect(DoctorJudge.inotify(limit: limit, needed: 1, exhausted: false, unavailable: "inotify_init1: Too many open files").status == .fail)
        let big = DoctorJudge.inotify(limit: limit, needed: 200_000, exhausted: false)
        #expect(big.fix?.hasPrefix("sysctl -w fs.inotify.max_user_watches=800000") == true, "four times what the store needs")
    }

    @Test func aDeadHubIsOneFailureAndNothingIsSaidOfTheToken() {
        let checks = DoctorJudge.hub(
            endpoint: Self.endpoint, offline: false, tokenSource: "HF_TOKEN",
            findings: [Self.finding("a", .unreachable("Couldn't connect to server"))])
        #expect(checks == [DoctorCheck(
            "hub", .fail, "cannot reach https://hub.example: Couldn't connect to server",
            fix: "check the network or proxy and HF_ENDPOINT / [hub] endpoint; [hub] mirrors can name another server; HF_HUB_OFFLINE=1 uses only what is on disk")])
    }

    @Test func offlineIsAWarningWithoutAskingAnything() {
        let checks = DoctorJudge.hub(endpoint: Self.endpoint, offline: true, tokenSource: nil, findings: [])
        #expect(checks.map(\.status) == [.warn] && checks[0].fix?.contains("HF_HUB_OFFLINE") == true)
    }

    @Test func aTokenTheHubRefusesIsOneFailureThatNeverShowsIt() {
        let refused = HubReply.refused(status: 401, errorCode: nil, message: "Invalid credentials in Authorization header")
        let checks = DoctorJudge.hub(
            endpoint: Self.endpoint, offline: false, tokenSource: "/etc/modeld/token",
            findings: [Self.finding("a", refused), Self.finding("b", refused)])
        #expect(checks.map(\.name) == ["hub", "token"])
        #expect(checks[0].status == .ok, "the hub answers")
        #expect(checks[1].status == .fail && checks[1].detail == "the hub refuses the token from /etc/modeld/token: HTTP 401, Invalid credentials in Authorization header")
    }

    @Test func eachGatedRepoIsTriedWithTheToken() {
        let findings = [
            Self.finding("open", .revision(Self.openInfo)),
            Self.finding("granted", .revision(Self.gatedInfo), file: .granted),
            Self.finding("denied", .revision(Self.gatedInfo), file: .refused(status: 403, errorCode: "GatedRepo", message: "not in the authorized list")),
        ]
        let checks = DoctorJudge.hub(endpoint: Self.endpoint, offline: false, tokenSource: "HF_TOKEN", findings: findings)
        #expect(checks.map(\.name) == ["hub", "token", "token"])
        #expect(checks[0].detail == "https://hub.example answers (org/open@main: commit bbbbbbbbbbbb)")
        #expect(checks[1] == DoctorCheck("token", .ok, "the token from HF_TOKEN may read the gated org/granted"))
        #expect(checks[2].status == .fail && checks[2].detail == "the token from HF_TOKEN may not read the gated org/denied (denied): HTTP 403, not in the authorized list")
        #expect(checks[2].fix?.hasPrefix("accept the conditions on https://hub.example/org/denied") == true)

        let none = DoctorJudge.hub(endpoint: Self.endpoint, offline: false, tokenSource: nil, findings: [Self.finding("g", .revision(Self.gatedInfo))])
        #expect(none[1].status == .fail && none[1].detail == "org/g (g) is gated and the daemon has no token")
    }

    @Test func aRepoTheHubDoesNotKnowIsACatalogFailure() {
        let checks = DoctorJudge.hub(
            endpoint: Self.endpoint, offline: false, tokenSource: nil,
            findings: [Self.finding("open", .revision(Self.openInfo)), Self.finding("gone", .refused(status: 404, errorCode: "RepoNotFound", message: nil))])
        #expect(checks.map(\.name) == ["hub", "catalog"])
        #expect(checks[1].status == .fail && checks[1].detail.hasPrefix("gone: the hub does not know org/gone"))
    }

    @Test func aMirrorThatDoesNotServeIsAWarning() {
        #expect(DoctorJudge.mirror("https://m.example", repo: "org/a", reply: .granted).status == .ok)
        let down = DoctorJudge.mirror("https://m.example", repo: "org/a", reply: .unreachable("Couldn't connect to server"))
        #expect(down.status == .warn && down.detail == "https://m.example does not serve org/a: Couldn't connect to server; downloads will not fall back to it")
        #expect(DoctorJudge.mirror("https://m.example", repo: nil, reply: nil).status == .ok)
    }

    @Test func theRevisionAnswerTellsGatedFromOpen() throws {
        let sha = String(repeating: "c", count: 40)
        let gated = try HubRevisionInfo(revisionAnswer: Data(#"{"sha":"\#(sha)","gated":"manual","siblings":[{"rfilename":"a.json"}]}"#.utf8))
        #expect(gated == HubRevisionInfo(commit: sha, gated: true, files: ["a.json"]))
        let open = try HubRevisionInfo(revisionAnswer: Data(#"{"sha":"\#(sha)","gated":false}"#.utf8))
        #expect(!open.gated && open.files.isEmpty)
        #expect(throws: ManifestError.self) { try HubRevisionInfo(revisionAnswer: Data("{}".utf8)) }
    }

    @Test func noGPUIsAWarningThatSaysWhy() {
        let check = DoctorJudge.gpu(.unknown(reason: "nvidia-smi was not found"), nvidiaSMI: "nvidia-smi")
        #expect(check.status == .warn && check.detail == "no GPU seen, so acquire cannot check VRAM: nvidia-smi was not found")
        let known = DoctorJudge.gpu(.known([GPUReading(index: 0, name: "NVIDIA H100", memoryTotalMiB: 81559)]), nvidiaSMI: "nvidia-smi")
        #expect(known == DoctorCheck("gpu", .ok, "1 GPU: NVIDIA H100, 80 GB"))
    }

    @Test func clientChecksJudgeTheProtocolTheSocketAndTheUnits() {
        #expect(DoctorJudge.protocolVersion(daemon: 1, client: 1, daemonRelease: "0.1.0", clientRelease: "0.1.0").status == .ok)
        #expect(DoctorJudge.protocolVersion(daemon: 1, client: 1, daemonRelease: "0.1.0", clientRelease: "0.2.0").status == .warn)
        #expect(DoctorJudge.protocolVersion(daemon: 2, client: 1, daemonRelease: "0.3.0", clientRelease: "0.1.0").status == .fail)
        #expect(DoctorJudge.socket(path: "/run/modeld/modeld.sock", mode: 0o140660, owner: "modeld", group: "modeld").status == .ok)
        let open = DoctorJudge.socket(path: "/run/modeld/modeld.sock", mode: 0o140666, owner: "modeld", group: "modeld")
        #expect(open.status == .warn && open.detail.hasPrefix("/run/modeld/modeld.sock: mode 666, owner modeld, group modeld"))
        #expect(DoctorJudge.units(found: [:], searched: ["/etc/systemd/system"]).status == .warn)
        #expect(DoctorJudge.units(found: ["modeld.service": "/etc/systemd/system"], searched: []).status == .ok)
        #expect(DoctorJudge.unreachable(socket: "/run/modeld/modeld.sock", socketExists: true, error: "refused").fix?.hasPrefix("sudo systemctl start modeld") == true)
    }
}
