import CSystemd
import Glibc
import Logging

/// Sends each record to journald with `sd_journal_sendv(3)` as structured fields:
/// MESSAGE, PRIORITY, CODE_FILE/LINE/FUNC, SYSLOG_IDENTIFIER, and each metadata key as
/// its own field (`model` → `MODEL=`), so `journalctl MODEL=ti2v-5B` finds them.
/// A journal that cannot be reached never fails the daemon: the line goes to stderr.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let control: LogLevelControl
    private var ownLevel: Logger.Level?
    private let identifier: String

    public init(identifier: String, control: LogLevelControl) {
        self.identifier = identifier
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "SYSLOG_IDENTIFIER=\(identifier)",
        ]
        let merged = LogMetadata.merge(metadata, metadataProvider?.get(), event.metadata)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append("\(Self.fieldName(key))=\(value)")
        }
        if Self.send(fields) < 0 {
            StderrLogHandler.write(LogMetadata.line(event, merged, label: identifier))
        }
    }

    /// syslog(3) priorities, which journald and `journalctl -p` use.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Journald accepts `[A-Z0-9_]`, not starting with `_` or a digit; our own fields
    /// are never overwritten by metadata.
    static func fieldName(_ key: String) -> String {
        var name = String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        while name.hasPrefix("_") { name.removeFirst() }
        let reserved: Set = ["MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "SYSLOG_IDENTIFIER"]
        if name.isEmpty || name.first?.isNumber == true || reserved.contains(name) { name = "META_" + name }
        return String(name.prefix(64))
    }

    /// One iovec per field, pointing into one contiguous buffer.
    private static func send(_ fields: [String]) -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}
