import Foundation
import GRDB
import ModeldCore

/// The ledger's record of one blob file whose whole-file digest matched its manifest: the
/// stat signature it had then (the fast path), and its chunk index (for re-verification
/// that names damaged byte ranges). Keyed by the blob's path: the same bytes stored in
/// two repositories are two files, each with its own inode and its own record.
public struct VerifiedBlob: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "verified_blob"

    public var path: String
    /// The digest's hex, the blob's expected name.
    public var digest: String
    public var size: Int64
    public var chunkSize: Int64
    /// The SHA-256 of each chunk, 32 bytes each, in order.
    public var chunkHashes: Data
    public var modifiedNanoseconds: Int64
    public var changedNanoseconds: Int64
    public var inode: Int64
    public var device: Int64
    /// When its bytes were last read and found good (not the stat fast path): the deep
    /// scrub reads again what has not been read for `scrub_every`.
    public var verifiedAt: Date
    public var method: String

    public init(
        path: String, digest: FileDigest, chunkSize: Int64, chunkHashes: [String], signature: StatSignature, verifiedAt: Date,
        method: VerifyMethod
    ) {
        self.path = path
        self.digest = digest.hex
        size = signature.size
        self.chunkSize = chunkSize
        self.chunkHashes = Self.pack(chunkHashes)
        modifiedNanoseconds = signature.modifiedNanoseconds
        changedNanoseconds = signature.changedNanoseconds
        inode = Int64(bitPattern: signature.inode)
        device = Int64(bitPattern: signature.device)
        self.verifiedAt = verifiedAt
        self.method = method.rawValue
    }

    /// The stat signature recorded (the size is the verified size).
    public var signature: StatSignature {
        get {
            StatSignature(
                size: size, modifiedNanoseconds: modifiedNanoseconds, changedNanoseconds: changedNanoseconds,
                inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device))
        }
        set {
            modifiedNanoseconds = newValue.modifiedNanoseconds
            changedNanoseconds = newValue.changedNanoseconds
            inode = Int64(bitPattern: newValue.inode)
            device = Int64(bitPattern: newValue.device)
        }
    }

    /// Found damaged since it was verified: the chunk index stays (a repair fetches only the
    /// bad chunks), but no stat signature is left for the fast path to match, or an
    /// unchanged stat (bit rot, which a scrub finds) would pass as verified at the next start.
    /// No file has a change time of −1 ns.
    public mutating func forgetSignature() {
        changedNanoseconds = -1
    }

    /// The chunk hashes as lowercase hex, as the hasher compares them.
    public var chunks: [String] {
        let digits = Array("0123456789abcdef")
        return stride(from: 0, to: chunkHashes.count, by: 32).map { start in
            String(chunkHashes[start..<min(start + 32, chunkHashes.count)].flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
        }
    }

    static func pack(_ hashes: [String]) -> Data {
        var data = Data(capacity: hashes.count * 32)
        for hash in hashes {
            let digits = Array(hash.utf8)
            for index in stride(from: 0, to: digits.count - 1, by: 2) {
                data.append(UInt8(nibble(digits[index]) << 4 | nibble(digits[index + 1])))
            }
        }
        return data
    }

    private static func nibble(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: 0
        }
    }

    enum CodingKeys: String, CodingKey {
        case path, digest, size, chunkSize = "chunk_size", chunkHashes = "chunk_hashes"
        case modifiedNanoseconds = "mtime_ns", changedNanoseconds = "ctime_ns", inode, device
        case verifiedAt = "verified_at", method
    }
}
