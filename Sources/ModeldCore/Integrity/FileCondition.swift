/// What is known about one file of a model's manifest.
public enum FileCondition: Sendable, Equatable {
    /// Not looked at yet.
    case unchecked
    /// Its bytes hash to the manifest's digest; `method` says how that was established.
    case verified(VerifyMethod)
    /// Neither the snapshot link nor the blob is there.
    case missing
    /// Present but wrong: the byte ranges known to be damaged (the whole file when no
    /// chunk index narrows it down), and why.
    case corrupted(damagedRanges: [ByteRange], reason: String)
    /// It could not be checked (permissions, the ledger): neither good nor known bad.
    case unverifiable(reason: String)

    public var isVerified: Bool { if case .verified = self { true } else { false } }
    /// Damaged or missing: what a download or repair can fix.
    public var isDamageOrAbsence: Bool {
        switch self {
        case .corrupted, .missing: true
        default: false
        }
    }

    /// The damaged ranges of a file that can be patched rather than fetched whole: some
    /// of its bytes are still good. Nil for any other condition.
    public func patchableRanges(fileSize: Int64) -> [ByteRange]? {
        guard case .corrupted(let ranges, _) = self, ranges.reduce(0, { $0 + $1.count }) < fileSize else { return nil }
        return ranges
    }
}

/// How a file was found good.
public enum VerifyMethod: String, Sendable, Codable {
    /// Its stat signature matched the one recorded at its last verification: not read.
    case stat
    /// Its chunks were re-hashed against the chunk index.
    case chunks
    /// It was read whole and its digest compared with the manifest.
    case full
}

/// A half-open byte range `[start, end)`, written `[start, end]` on the wire as PROTOCOL.md shows.
public struct ByteRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(_ start: Int64, _ end: Int64) {
        self.start = start
        self.end = end
    }

    public var count: Int64 { end - start }
    public var description: String { "[\(start), \(end))" }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        start = try container.decode(Int64.self)
        end = try container.decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(start)
        try container.encode(end)
    }

    /// Damaged chunk indices as merged byte ranges, the last clamped to the file's size;
    /// indices outside the file are ignored.
    public static func ranges(chunks: [Int], chunkSize: Int64, fileSize: Int64) -> [ByteRange] {
        var ranges: [ByteRange] = []
        for chunk in Set(chunks).sorted() where chunk >= 0 {
            let (start, overflow) = Int64(chunk).multipliedReportingOverflow(by: chunkSize)
            guard !overflow, start < fileSize else { continue }
            let end = min(start + chunkSize, fileSize)
            if let last = ranges.last, last.end == start {
                ranges[ranges.count - 1].end = end
            } else {
                ranges.append(ByteRange(start, end))
            }
        }
        return ranges
    }

    /// The whole of a file of `size` bytes: what is damaged when nothing narrows it down.
    public static func whole(_ size: Int64) -> [ByteRange] { [ByteRange(0, size)] }
}
