/// The fixed vocabularies of the config file.

public enum LogLevel: String, ConfigWord {
    case trace, debug, info, notice, warning, error, critical
}

/// A download's place in the queue: `critical` before `high` before `normal` before `low`.
public enum Priority: String, ConfigWord, Comparable {
    case critical, high, normal, low

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    /// `critical` < `low`: sorting ascending puts the most urgent first.
    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}

/// How files are checked when the daemon starts.
public enum StartupVerification: String, ConfigWord {
    /// Trust a file whose stat signature matches the ledger; read nothing.
    case stat
    /// Re-hash every file.
    case full
}

public enum UpdatePolicy: String, ConfigWord {
    /// Tell (event, status, health) and wait for `modelctl update M`.
    case notify
    /// Download, verify and switch by itself.
    case auto
}
