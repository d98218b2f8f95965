extension DoctorJudge {
    /// What the hub answered about one catalog model: its revision, and for a gated repo
    /// the request for one of its files made with the daemon's token.
    public struct HubFinding: Sendable, Equatable {
        public var model: String
        public var repo: String
        public var revision: String
        public var revisionReply: HubReply
        public var fileReply: HubReply?

        public init(model: String, repo: String, revision: String, revisionReply: HubReply, fileReply: HubReply? = nil) {
            self.model = model
            self.repo = repo
            self.revision = revision
            self.revisionReply = revisionReply
            self.fileReply = fileReply
        }
    }

    /// Whether the hub answers, whether it takes the token, and whether the token may
    /// read each gated repo. `tokenSource` says where the token came from (never the
    /// token itself); nil: the daemon has none.
    public static func hub(endpoint: String, offline: Bool, tokenSource: String?, findings: [HubFinding]) -> [DoctorCheck] {
        if offline {
            return [DoctorCheck(
                "hub", .warn, "offline: the hub is not asked, so nothing can be downloaded, repaired or updated",
                fix: "unset HF_HUB_OFFLINE (or set [hub] offline = false), then modelctl reload")]
        }
        guard let first = findings.first else {
            return [DoctorCheck("hub", .ok, "no model in the catalog: \(endpoint) was not asked")]
        }
        if case .unreachable(let why) = first.revisionReply {
            return [DoctorCheck(
                "hub", .fail, "cannot reach \(endpoint): \(why)",
                fix: "check the network or proxy and HF_ENDPOINT / [hub] endpoint; [hub] mirrors can name another server; HF_HUB_OFFLINE=1 uses only what is on disk")]
        }
        var checks = [DoctorCheck("hub", .ok, "\(endpoint) answers (\(first.repo)@\(first.revision): \(describe(first.revisionReply)))")]
        let token = tokenSource.map { "the token from \($0)" }
        if let token, let refusal = findings.lazy.compactMap({ tokenRefusal($0.revisionReply) }).first {
            // The hub turns a token it does not know away on every request: one line says it.
            return checks + [DoctorCheck(
                "token", .fail, "the hub refuses \(token): \(refusal)",
                fix: "set a valid token (HF_TOKEN in the unit's environment with systemctl edit modeld, or [hub] token_file), then modelctl reload")]
        }
        for finding in findings {
            switch finding.revisionReply {
            case .refused(let status, let code, let message):
                let failure = HubAPI.failure(status: status, errorCode: code, message: message, repo: finding.repo, revision: finding.revision)
                checks.append(DoctorCheck("catalog", .fail, "\(finding.model): \(failure.message)", fix: failure.hint))
            case .revision(let info) where info.gated:
                checks.append(gatedAccess(finding, token: token, endpoint: endpoint))
            case .unreachable(let why):
                checks.append(DoctorCheck("catalog", .warn, "\(finding.model): the hub did not answer about \(finding.repo): \(why)", fix: "modelctl doctor again"))
            case .revision, .granted:
                continue
            }
        }
        return checks
    }

    /// A `[hub] mirrors` server, asked for a file of an open repo; nil `reply`: there was
    /// no open repo to ask about.
    /// A mirror is a fallback, so its faults are warnings.
    public static func mirror(_ mirror: String, repo: String?, reply: HubReply?) -> DoctorCheck {
        guard let repo, let reply else {
            return DoctorCheck("mirror", .ok, "\(mirror) was not asked: the catalog has no open repo to ask it about")
        }
        if case .granted = reply { return DoctorCheck("mirror", .ok, "\(mirror) serves \(repo)") }
        return DoctorCheck(
            "mirror", .warn, "\(mirror) does not serve \(repo): \(describe(reply)); downloads will not fall back to it",
            fix: "check the mirror, or remove it from [hub] mirrors")
    }

    private static func gatedAccess(_ finding: HubFinding, token: String?, endpoint: String) -> DoctorCheck {
        let repo = finding.repo
        let accept = "accept the conditions on \(endpoint)/\(repo) with the token's account"
        let setToken = "set HF_TOKEN for the daemon (systemctl edit modeld) or [hub] token_file, then modelctl reload"
        guard let token else {
            return DoctorCheck("token", .fail, "\(repo) (\(finding.model)) is gated and the daemon has no token", fix: "\(accept), then \(setToken)")
        }
        switch finding.fileReply {
        case .granted?:
            return DoctorCheck("token", .ok, "\(token) may read the gated \(repo)")
        case .refused(let status, _, let message)? where status == 401 || status == 403:
            return DoctorCheck(
                "token", .fail, "\(token) may not read the gated \(repo) (\(finding.model)): HTTP \(status)\(message.map { ", \($0)" } ?? "")",
                fix: "\(accept), or \(setToken) with another token")
        case let reply?:
            return DoctorCheck("token", .warn, "whether \(token) may read \(repo) is unknown: \(describe(reply))", fix: "modelctl doctor again")
        case nil:
            return DoctorCheck("token", .warn, "\(repo) lists no file to try \(token) on", fix: "check repo = and revision = of \(finding.model)")
        }
    }

    /// A 401 that is about the token, not the repo: the hub's code names the repo otherwise.
    private static func tokenRefusal(_ reply: HubReply) -> String? {
        guard case .refused(401, let code, let message) = reply, code != "GatedRepo", code != "RepoNotFound" else { return nil }
        return "HTTP 401" + (message.map { ", \($0)" } ?? "")
    }

    private static func describe(_ reply: HubReply) -> String {
        switch reply {
        case .unreachable(let why): why
        case .refused(let status, _, let message): "HTTP \(status)" + (message.map { ", \($0)" } ?? "")
        case .revision(let info): "commit \(info.commit.prefix(12))"
        case .granted: "granted"
        }
    }
}
