/// What a file's bytes must hash to, as the hub's manifest says. The hex is also the
/// blob's file name in the store (`blobs/<hex>`).
public enum FileDigest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An LFS file: SHA-256 of the content (`lfs.oid` in a tree listing).
    case sha256(String)
    /// A regular git file: SHA-1 of `"blob " + <decimal length> + "\0" + content`.
    case gitBlobSHA1(String)

    public var kind: DigestKind {
        switch self {
        case .sha256: .sha256
        case .gitBlobSHA1: .gitBlobSHA1
        }
    }

    /// Lowercase hex: 64 digits for SHA-256, 40 for SHA-1.
    public var hex: String {
        switch self {
        case .sha256(let hex), .gitBlobSHA1(let hex): hex
        }
    }

    public var description: String { "\(kind.rawValue):\(hex)" }

    /// Nil unless `hex` is exactly the right number of lowercase hex digits: the name
    /// becomes a file name, so nothing else may pass.
    public init?(kind: DigestKind, hex: String) {
        guard Hex.isHex(hex, count: kind.hexLength) else { return nil }
        let lower = hex.lowercased()
        switch kind {
        case .sha256: self = .sha256(lower)
        case .gitBlobSHA1: self = .gitBlobSHA1(lower)
        }
    }
}

/// The two hashes the hub uses.
public enum DigestKind: String, Sendable, Hashable, Codable, CaseIterable {
    case sha256
    case gitBlobSHA1 = "git-sha1"

    public var hexLength: Int { self == .sha256 ? 64 : 40 }
}
