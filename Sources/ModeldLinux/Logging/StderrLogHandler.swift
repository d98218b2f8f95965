import Foundation
import Glibc
import Logging

/// One line per record on stderr, for a daemon run by hand (`make run`) or any manager
/// that is not journald: `2026-11-21T10:00:00Z info modeld: message model=ti2v-5B`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let control: LogLevelControl
    private var ownLevel: Logger.Level?
    private let label: String

    public init(label: String, control: LogLevelControl) {
        self.label = label
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
        let merged = LogMetadata.merge(metadata, metadataProvider?.get(), event.metadata)
        Self.write(LogMetadata.line(event, merged, label: label))
    }

    /// Writes a whole line with one write(2); a failed write is dropped, never fatal.
    static func write(_ line: String) {
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

/// What both handlers share: metadata merged in the order swift-log documents (handler,
/// provider, call site — the later wins), and the plain-text form of a record.
enum LogMetadata {
    static func merge(_ layers: Logger.Metadata?...) -> Logger.Metadata {
        layers.reduce(into: [:]) { merged, layer in merged.merge(layer ?? [:]) { $1 } }
    }

    static func line(_ event: LogEvent, _ metadata: Logger.Metadata, label: String) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return "\(Date().ISO8601Format()) \(event.level) \(label): \(event.message)\(fields)"
    }
}
