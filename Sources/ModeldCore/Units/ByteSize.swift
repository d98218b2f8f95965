import Foundation

/// A size in bytes, written in config as a plain integer or with a unit:
/// `"16MiB"`, `"10GiB"`, `"500MB"`, `"4096"`.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(_ bytes: Int64) { self.bytes = bytes }

    private static let units: [(suffix: String, factor: Int64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("B", 1),
    ]

    /// Parses `"16MiB"`, `"1.5GB"`, `"4096"`; nil when the text is not a size.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unit = Self.units.first { trimmed.hasSuffix($0.suffix) } ?? ("", 1)
        let number = trimmed.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
        if let whole = Int64(number), whole >= 0 {
            let (product, overflow) = whole.multipliedReportingOverflow(by: unit.factor)
            guard !overflow else { return nil }
            self.bytes = product
        } else if let fraction = Double(number), fraction >= 0, fraction.isFinite,
            fraction * Double(unit.factor) < Double(Int64.max)
        {
            self.bytes = Int64(fraction * Double(unit.factor))
        } else {
            return nil
        }
    }

    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }

    /// Binary units with up to one decimal, the way people read disk sizes: `"31.9 GiB"`.
    public var description: String { Self.format(bytes) }

    public static func format(_ bytes: Int64) -> String {
        let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var index = 0
        while abs(value) >= 1024, index < names.count - 1 {
            value /= 1024
            index += 1
        }
        if index == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(names[index])" : "\(rounded) \(names[index])"
    }
}

extension ByteSize: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            guard number >= 0 else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a size cannot be negative")
            }
            self.bytes = number
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ByteSize(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\"\(text)\" is not a size; write it like \"16MiB\", \"10GiB\", \"500MB\" or a number of bytes")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}
