import CSystemd
import Foundation
import Glibc
import Logging

/// The daemon's log handler. To journald (`sd_journal_sendv(3)`) as structured fields —
/// MESSAGE, PRIORITY, CODE_FILE/LINE/FUNC, SYSLOG_IDENTIFIER, and each metadata key as its
/// own field (`model` → `MODEL=`, so `journalctl MODEL=ti2v-5B` finds them) — or to stderr
/// as one line per record. Logging never fails the daemon: a journal that cannot be
/// reached gets the line on stderr instead.
public struct DaemonLogHandler: LogHandler {
    public enum Destination: Sendable {
        case journal
        case stderr
    }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let destination: Destination
    private let identifier: String
    private let control: LogLevelControl
    private var ownLevel: Logger.Level?

    public init(_ destination: Destination, identifier: String, control: LogLevelControl) {
        self.destination = destination
        self.identifier = identifier
        self.control = control
    }

    /// The shared level `reload` changes, unless this logger was given its own.
    public var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Handler, provider, call site: the later wins, as swift-log documents.
        let merged = [metadata, metadataProvider?.get() ?? [:], event.metadata ?? [:]]
            .reduce(into: Logger.Metadata()) { $0.merge($1) { $1 } }
        if destination == .journal, Self.sendToJournal(event, merged, identifier: identifier) >= 0 { return }
        let fields = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        Self.writeToStderr("\(Date().ISO8601Format()) \(event.level) \(identifier): \(event.message)\(fields)")
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

    /// One iovec per field, pointing into one contiguous buffer; < 0 when not sent.
    private static func sendToJournal(_ event: LogEvent, _ metadata: Logger.Metadata, identifier: String) -> Int32 {
        var fields = [
            "MESSAGE=\(event.message)", "PRIORITY=\(priority(event.level))", "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)", "CODE_FUNC=\(event.function)", "SYSLOG_IDENTIFIER=\(identifier)",
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { fields.append("\(fieldName(key))=\(value)") }
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

    /// Writes a whole line with write(2); a failed write is dropped, never fatal.
    private static func writeToStderr(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
