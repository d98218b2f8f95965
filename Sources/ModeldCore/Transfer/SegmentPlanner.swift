/// How a file's missing bytes are fetched: split over parallel ranged connections, never
/// into pieces so small that a connection costs more than it carries.
public enum SegmentPlanner {
    /// Pieces below this are not split further (a request's round trip outweighs them).
    public static let minimumSegment: Int64 = 8 << 20

    /// Segments covering `missing`, at most `connections` of them, in file order: the
    /// largest gaps are split until there are enough pieces or they reach the minimum.
    public static func segments(missing: [ByteRange], connections: Int, minimum: Int64 = minimumSegment) -> [ByteRange] {
        var pieces = missing.filter { $0.count > 0 }
        guard connections > 0 else { return pieces }
        while pieces.count < connections {
            guard let index = pieces.indices.max(by: { pieces[$0].count < pieces[$1].count }),
                pieces[index].count >= 2 * minimum
            else { break }
            let piece = pieces[index]
            let middle = piece.start + piece.count / 2
            pieces.replaceSubrange(index...index, with: [ByteRange(piece.start, middle), ByteRange(middle, piece.end)])
        }
        return pieces.sorted { $0.start < $1.start }
    }

    /// The value of an HTTP `Range` header for `range` (`bytes=start-lastByte`).
    public static func rangeHeader(_ range: ByteRange) -> String { "bytes=\(range.start)-\(range.end - 1)" }
}
