import Logging

/// Where the daemon's log goes: journald when systemd connected stderr to it
/// (`JOURNAL_STREAM` is set), else stderr.
public enum LogDestination {
    public static func bootstrap(identifier: String, control: LogLevelControl, environment: [String: String]) {
        let toJournal = environment["JOURNAL_STREAM"].map { !$0.isEmpty } ?? false
        LoggingSystem.bootstrap { _ in
            DaemonLogHandler(toJournal ? .journal : .stderr, identifier: identifier, control: control)
        }
    }
}
