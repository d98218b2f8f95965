import Foundation

/// Config files are layers: the main file, then each drop-in in name order. Each layer
/// is decoded on top of the configuration below it, so a key a layer leaves out keeps
/// the value it had — one schema, no separate "partial" types, and every error is
/// reported against the one file being decoded.
extension CodingUserInfoKey {
    static let configBelow: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "modeld.configBelow") else {
            preconditionFailure("a constant, valid CodingUserInfoKey")
        }
        return key
    }()
}

extension Decoder {
    /// The configuration of the layers below the one being decoded (defaults at the bottom).
    var configBelow: ModeldConfig {
        userInfo[.configBelow] as? ModeldConfig ?? ModeldConfig()
    }
}

extension KeyedDecodingContainer {
    /// The layer's value for `key`, or `below` when the layer does not set it.
    func decode<T: Decodable>(_ key: Key, or below: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? below
    }

    /// As `decode(_:or:)`, and the value must lie in `range`.
    func decode<T: Decodable & Comparable>(_ key: Key, or below: T, in range: ClosedRange<T>) throws -> T {
        let value = try decode(key, or: below)
        guard range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }
}

/// A config value that is one of a fixed set of words; a wrong word is an error that
/// lists the allowed ones.
public protocol ConfigWord: RawRepresentable<String>, CaseIterable, Codable, Sendable {}

extension ConfigWord {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let word = try container.decode(String.self)
        guard let value = Self(rawValue: word) else {
            let allowed = Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(word)\" is not allowed; use one of \(allowed)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
