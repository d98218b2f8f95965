/// The text form, `"12:3,13:5"` (bucket:count, by bucket), so a histogram fits one SQLite
/// column a person can still read; an empty histogram is `""`. It is also the Codable form.
extension DurationHistogram: Codable {
    public var text: String {
        buckets.keys.sorted().map { "\($0):\(buckets[$0, default: 0])" }.joined(separator: ",")
    }

    /// Nil unless every part is `bucket:count` with a bucket in `0..<bucketCount`, a
    /// positive count and no bucket twice: a damaged row must not pass for data.
    public init?(text: String) {
        var buckets: [Int: Int] = [:]
        guard !text.isEmpty else {
            self.init()
            return
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 2, let bucket = Int(fields[0]), let count = Int(fields[1]),
                (0..<Self.bucketCount).contains(bucket), count > 0, buckets[bucket] == nil
            else { return nil }
            buckets[bucket] = count
        }
        self.init(checkedBuckets: buckets)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let histogram = DurationHistogram(text: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a duration histogram; it reads like \"12:3,13:5\"")
        }
        self = histogram
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
