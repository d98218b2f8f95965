import Foundation
import GRDB
import ModeldCore

/// The ledger's record of a blob whose whole-file digest matched its manifest: the stat
/// signature it had then (the fast path), and its chunk index (for re-verification that
/// names damaged byte ranges).
public struct VerifiedBlob: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "verified_blob"

    /// The digest's hex, which is also the blob's file name.
    public var digest: String
    public var kind: DigestKind
    public var size: Int64
    public var chunkSize: Int64
    /// The SHA-256 of each chunk, 32 bytes each, in order.
    public var chunkHashes: Data
    public var statSize: Int64
    public var modifiedNanoseconds: Int64
    public var changedNanoseconds: Int64
    public var inode: Int64
    public var device: Int64
    /// When its bytes were last read and found good (not the stat fast path): the deep
    /// scrub reads again what has not been read for `scrub_every`.
    public var verifiedAt: Date
    public var method: String

    public init(
        digest: FileDigest, size: Int64, chunkSize: Int64, chunkHashes: [String], signature: StatSignature, verifiedAt: Date,
        method: VerifyMethod
    ) {
        self.digest = digest.hex
        kind = digest.kind
        self.size = size
        self.chunkSize = chunkSize
        self.chunkHashes = Self.pack(chunkHashes)
        statSize = signature.size
        modifiedNanoseconds = signature.modifiedNanoseconds
        changedNanoseconds = signature.changedNanoseconds
        inode = Int64(bitPattern: signature.inode)
        device = Int64(bitPattern: signature.device)
        self.verifiedAt = verifiedAt
        self.method = method.rawValue
    }

    public var signature: StatSignature {
        get {
            StatSignature(
                size: statSize, modifiedNanoseconds: modifiedNanoseconds, changedNanoseconds: changedNanoseconds,
                inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device))
        }
        set {
            statSize = newValue.size
            modifiedNanoseconds = newValue.modifiedNanoseconds
            changedNanoseconds = newValue.changedNanoseconds
            inode = Int64(bitPattern: newValue.inode)
            device = Int64(bitPattern: newValue.device)
        }
    }

    /// The chunk hashes as hex strings.
    public var chunks: [String] {
        stride(from: 0, to: chunkHashes.count, by: 32).map { start in
            chunkHashes[start..<min(start + 32, chunkHashes.count)].map { String(format: "%02x", $0) }.joined()
        }
    }

    static func pack(_ hashes: [String]) -> Data {
        var data = Data(capacity: hashes.count * 32)
        for hash in hashes {
            var index = hash.startIndex
            while let next = hash.index(index, offsetBy: 2, limitedBy: hash.endIndex), index < hash.endIndex {
                data.append(UInt8(hash[index..<next], radix: 16) ?? 0)
                index = next
            }
        }
        return data
    }

    enum CodingKeys: String, CodingKey {
        case digest, kind, size, chunkSize = "chunk_size", chunkHashes = "chunk_hashes", statSize = "stat_size"
        case modifiedNanoseconds = "mtime_ns", changedNanoseconds = "ctime_ns", inode, device
        case verifiedAt = "verified_at", method
    }
}
