import Glibc
import ModeldLinux

/// Why the daemon cannot start, in words that say what to do.
public enum DaemonError: Error, CustomStringConvertible {
    case socketInUse(String)
    case socketPathTaken(String)
    case ledgerUnusable(String, String)
    /// A newer modeld migrated the ledger: the text says which backup to restore.
    case ledgerSchemaNewer(String)
    case transfersUnusable(String)
    /// `[metrics] listen` cannot be bound: the address and the system's reason.
    case metricsUnbindable(String, SystemError)

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
        case .metricsUnbindable(let address, let error) where error.errno == EADDRINUSE:
            "[metrics] listen = \"\(address)\": another program listens there (ss -ltnp shows which); choose another port, or set listen = \"\" to turn the endpoint off"
        case .metricsUnbindable(let address, let error):
            "[metrics] listen = \"\(address)\" cannot be bound (\(error)); use an address of this machine (127.0.0.1:9464, or ip -brief address lists them), or set listen = \"\" to turn the endpoint off"
        }
    }
}
