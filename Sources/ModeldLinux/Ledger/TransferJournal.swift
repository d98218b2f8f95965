import Foundation
import GRDB
import ModeldCore

/// The transfer journal's entry for one partial file (STORE.md): which byte ranges
/// are written, and which of them are also synced to disk. After `kill -9` the page cache
/// still holds every written byte, so a restart in the same boot trusts `written`; after
/// a reboot (or power loss) only `synced` is sure to be on disk.
public struct TransferJournal: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "transfer_journal"

    /// The partial file.
    public var path: String
    /// The digest the finished file must have (the blob's name).
    public var digest: String
    public var size: Int64
    public var written: RangeSet
    public var synced: RangeSet
    /// `/proc/sys/kernel/random/boot_id` when `written` was recorded.
    public var bootID: String
    public var updatedAt: Date

    public init(path: String, digest: String, size: Int64, written: RangeSet, synced: RangeSet, bootID: String, updatedAt: Date = Date()) {
        self.path = path
        self.digest = digest
        self.size = size
        self.written = written
        self.synced = synced
        self.bootID = bootID
        self.updatedAt = updatedAt
    }

    /// The bytes that can be trusted on disk now, in boot `currentBootID`.
    public func trusted(currentBootID: String = TransferJournal.currentBootID) -> RangeSet {
        bootID == currentBootID && !bootID.isEmpty ? written : synced
    }

    /// Whether this journal describes the download of `digest` (a journal of another
    /// file under the same name is not).
    public func describes(digest: FileDigest, size: Int64) -> Bool { self.digest == digest.hex && self.size == size }

    /// This boot's id; empty when it cannot be read (then only synced bytes are trusted).
    public static let currentBootID: String =
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""

    enum CodingKeys: String, CodingKey {
        case path, digest, size, written, synced, bootID = "boot_id", updatedAt = "updated_at"
    }
}
