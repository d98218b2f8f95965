/// How a file's missing bytes are fetched: cut into pieces, in file order, which the
/// `connections_per_file` connections take one after another. Pieces rather than one
/// segment per connection: the download then advances roughly in file order, so the
/// whole-file digest, which must read in order, follows close behind the newest byte
/// instead of waiting for the first connection's quarter of the file; and a slow
/// connection holds back one piece, not a quarter.
public enum SegmentPlanner {
    /// Pieces below this are not cut further: a request's round trip would outweigh them.
    public static let minimumPiece: Int64 = 8 << 20
    /// Pieces above this leave the digest too far behind the download of a large shard.
    public static let maximumPiece: Int64 = 128 << 20

    /// About 64 pieces per file, whole MiB, within the bounds above.
    public static func pieceSize(fileSize: Int64) -> Int64 {
        let mib: Int64 = 1 << 20
        let wanted = (fileSize + 63) / 64
        return min(maximumPiece, max(minimumPiece, (wanted + mib - 1) / mib * mib))
    }

    /// `missing` cut into pieces of at most `pieceSize`, in file order. A gap's last piece
    /// may be shorter.
    public static func pieces(missing: [ByteRange], pieceSize: Int64) -> [ByteRange] {
        guard pieceSize > 0 else { return missing.filter { $0.count > 0 } }
        var pieces: [ByteRange] = []
        for gap in missing.sorted(by: { $0.start < $1.start }) {
            var start = gap.start
            while start < gap.end {
                let end = min(gap.end, start + pieceSize)
                pieces.append(ByteRange(start, end))
                start = end
            }
        }
        return pieces
    }

    /// `range` as libcurl's `CURLOPT_RANGE` wants it: `start-lastByte`.
    public static func curlRange(_ range: ByteRange) -> String { "\(range.start)-\(range.end - 1)" }
}
