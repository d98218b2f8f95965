/// A set of byte ranges kept sorted and merged: what a transfer journal says is written
/// and synced, and — by subtraction — what is still to fetch.
public struct RangeSet: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Disjoint, non-adjacent, sorted by start.
    public private(set) var ranges: [ByteRange]

    public init(_ ranges: [ByteRange] = []) {
        self.ranges = []
        for range in ranges { insert(range) }
    }

    public var byteCount: Int64 { ranges.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { ranges.isEmpty }
    public var description: String { ranges.map(\.description).joined(separator: " ") }

    /// Adds `range`, merging it with what it overlaps or touches.
    public mutating func insert(_ range: ByteRange) {
        guard range.count > 0 else { return }
        var merged = range
        var kept: [ByteRange] = []
        kept.reserveCapacity(ranges.count + 1)
        for existing in ranges {
            if existing.end < merged.start || existing.start > merged.end {
                kept.append(existing)
            } else {
                merged = ByteRange(min(existing.start, merged.start), max(existing.end, merged.end))
            }
        }
        let index = kept.firstIndex { $0.start > merged.start } ?? kept.count
        kept.insert(merged, at: index)
        ranges = kept
    }

    /// The parts of `[0, size)` this set does not cover.
    public func gaps(within size: Int64) -> [ByteRange] {
        var gaps: [ByteRange] = []
        var cursor: Int64 = 0
        for range in ranges where range.start < size {
            if range.start > cursor { gaps.append(ByteRange(cursor, range.start)) }
            cursor = max(cursor, range.end)
        }
        if cursor < size { gaps.append(ByteRange(cursor, size)) }
        return gaps
    }

    public func contains(_ range: ByteRange) -> Bool {
        ranges.contains { $0.start <= range.start && range.end <= $0.end }
    }
}
