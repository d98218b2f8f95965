import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `doctor`: the checks of an install that need the daemon's own view — its config files,
/// its store, its watch limit, its hub and token, its GPU probe, what the asker may do.
/// Each probe measures; `DoctorJudge` says ok, warn or fail and what to do.
struct Doctor: Sendable {
    let keeper: Keeper
    let reloader: ConfigReloader
    let resources: ResourceMonitor
    let coverage: WatchCoverage
    /// The probes block (files, statfs, the hub): never on the cooperative pool.
    let io: BlockingPool
    let storePath: String
    let recentHub = RecentHubChecks()

    func examine(for peer: PeerCredentials?) async -> DoctorResult {
        let config = await keeper.config
        async let hub = recentHub.checks(for: .init(config)) { await hubChecks(config) }
        async let machine = resources.refresh()
        var checks = [DoctorJudge.config(await reloader.check())]
        checks += await storeChecks()
        let machineNow = await machine
        checks += machineNow.disk.map { disk in
            DoctorJudge.freeSpace(
                paths: disk.paths, free: disk.freeBytes, total: disk.totalBytes, reserve: disk.reserveBytes, warnBelow: disk.warnBelowBytes)
        }
        let watching = coverage.reading
        let limit = await io.outcome { () throws(SystemError) in try InotifyLimit.current() }
        checks.append(DoctorJudge.inotify(limit: limit, needed: watching.needed, exhausted: watching.exhausted, unavailable: watching.unavailable))
        checks += await hub
        let gpus = machineNow.gpus.map(GPUState.known) ?? .unknown(reason: machineNow.gpuUnknown ?? "not asked yet")
        checks.append(DoctorJudge.gpu(gpus, nvidiaSMI: config.gpu.nvidiaSMI))
        checks.append(await access(peer, adminGroup: config.daemon.adminGroup))
        return DoctorResult(checks: checks)
    }

    /// A probe file in the store, and the filesystem it is on.
    private func storeChecks() async -> [DoctorCheck] {
        let store = storePath
        let written = await io.outcome { () throws(SystemError) in try WriteProbe.run(in: store) }
        let type = await io.outcome { () throws(SystemError) in try FilesystemType.of(store) }
        return [
            DoctorJudge.storeWritable(store, written),
            DoctorJudge.filesystem(store, type),
        ]
    }

    /// The hub asked about each catalog model with the daemon's token, as downloads ask
    /// (after one request finds it unreachable, the rest are not tried); then each mirror,
    /// for a file of an open repo.
    private func hubChecks(_ config: ModeldConfig) async -> [DoctorCheck] {
        guard !config.hub.offline else {
            return DoctorJudge.hub(endpoint: config.hub.endpoint, offline: true, tokenSource: nil, findings: [])
        }
        let probe = HubProbe(endpoint: config.hub.endpoint, token: config.token?.value)
        let models = config.models
        let asked = await io.outcome { () throws(SystemError) in
            var findings: [DoctorJudge.HubFinding] = []
            for model in models {
                var finding = DoctorJudge.HubFinding(
                    model: model.id, repo: model.repo, revision: model.revision,
                    revisionReply: probe.revision(repo: model.repo, revision: model.revision))
                if case .revision(let info) = finding.revisionReply, info.gated, probe.token != nil, let file = info.files.first {
                    finding.fileReply = probe.file(repo: model.repo, commit: info.commit, path: file)
                }
                findings.append(finding)
                if case .unreachable = finding.revisionReply { break }
            }
            return findings
        }
        guard case .success(let findings) = asked else {
            return [DoctorCheck("hub", .warn, "the hub was not asked: the daemon is stopping")]
        }
        var checks = DoctorJudge.hub(endpoint: config.hub.endpoint, offline: false, tokenSource: config.token?.source, findings: findings)
        let open = findings.lazy.compactMap { finding -> (repo: String, commit: String, file: String)? in
            guard case .revision(let info) = finding.revisionReply, !info.gated, let file = info.files.first else { return nil }
            return (finding.repo, info.commit, file)
        }.first
        for mirror in config.hub.mirrors {
            // No token: a mirror is another party, as for downloads.
            let reply = await io.outcome { () throws(SystemError) in
                open.map { HubProbe(endpoint: mirror, token: nil).file(repo: $0.repo, commit: $0.commit, path: $0.file) }
            }
            checks.append(DoctorJudge.mirror(mirror, repo: open?.repo, reply: try? reply.get()))
        }
        return checks
    }

    /// Whether `peer` may run admin commands, as `CommandRouter` decides it.
    private func access(_ peer: PeerCredentials?, adminGroup: String) async -> DoctorCheck {
        guard let peer else { return DoctorCheck("access", .warn, "the daemon could not tell who asked (no peer credentials)") }
        let admin = await io.outcome { () throws(SystemError) in try AdminPolicy(groupName: adminGroup).allows(peer) }
        switch admin {
        case .success(let admin):
            return DoctorJudge.access(uid: peer.uid, admin: admin, adminGroup: adminGroup)
        case .failure(let error):
            return DoctorCheck("access", .warn, "whether uid \(peer.uid) may run admin commands is unknown: \(error)", fix: "getent group \(adminGroup)")
        }
    }
}
