/// Why the daemon cannot start, in words that say what to do.
public enum DaemonError: Error, CustomStringConvertible {
    case socketInUse(String)
    case socketPathTaken(String)
    case ledgerUnusable(String, String)
    /// A newer modeld migrated the ledger: the text says which backup to restore.
    case ledgerSchemaNewer(String)
    case transfersUnusable(String)

    public var description: String {
        switch self {
        case .socketInUse(let path):
            "another modeld is already answering on \(path); stop it (systemctl stop modeld) or give this one another --socket"
        case .socketPathTaken(let path):
            "\(path) exists and is not a socket; move it away or give modeld another --socket"
        case .ledgerUnusable(let path, let why):
            "cannot open the ledger \(path) (\(why)); check that [daemon] state_dir is writable by the daemon's user"
        case .ledgerSchemaNewer(let why):
            why
        case .transfersUnusable(let why):
            "cannot start libcurl's transfer engine (\(why)); check that libcurl is installed"
        }
    }
}
