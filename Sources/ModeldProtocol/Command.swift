/// Every command of the protocol, and who may run it.
public enum Command: String, Sendable, CaseIterable, Codable {
    case version, status, pull, pause, resume, cancel, priority, limit, verify, repair
    case acquire, release, report, suggest, resources, usage, health
    case keep, unkeep, evict, cleanup, update, rollback, history, subscribe, metrics, reload, backup, adopt
    case doctor

    /// PROTOCOL.md's classes: read and use are open to anyone who can connect; admin
    /// needs root, the daemon's own user or the admin group.
    public enum Access: String, Sendable {
        case read, use, admin
    }

    public var access: Access {
        switch self {
        // `doctor` writes one probe file and removes it: nothing a client sees changes.
        case .version, .status, .suggest, .resources, .usage, .health, .history, .subscribe, .metrics, .doctor: .read
        case .acquire, .release, .report: .use
        case .pull, .pause, .resume, .cancel, .priority, .limit, .verify, .repair,
            .keep, .unkeep, .evict, .cleanup, .update, .rollback, .reload, .backup, .adopt:
            .admin
        }
    }
}
