import Foundation

/// The JSON-lines codec of the control socket: one object per line, at most
/// `maximumLineBytes` per line, keys in snake_case.
public enum WireCodec {
    /// PROTOCOL.md: at most 1 MiB per line.
    public static let maximumLineBytes = 1 << 20

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        // Paths are the most common string in results: keep them readable with socat.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.rfc3339(date))
        }
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// `{"id":…,"ok":true,"result":…}` and a newline.
    public static func success<R: Encodable>(id: JSONValue?, result: R) throws -> Data {
        try line(Envelope(id: id, ok: true, result: result, error: nil))
    }

    /// `{"id":…,"ok":false,"error":{"code","message","hint"}}` and a newline. Cannot fail.
    public static func failure(id: JSONValue?, error: ProtocolError) -> Data {
        (try? line(Envelope<JSONValue>(id: id, ok: false, result: nil, error: error)))
            ?? Data(#"{"ok":false,"error":{"code":"internal","message":"the error could not be encoded"}}"#.utf8 + [0x0A])
    }

    public static func line<T: Encodable>(_ value: T) throws -> Data {
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    struct Envelope<R: Encodable>: Encodable {
        var id: JSONValue?
        var ok: Bool
        var result: R?
        var error: ProtocolError?
    }
}

/// A response as a client reads it: the result stays generic until the client types it.
public struct Response: Decodable, Sendable {
    public var id: JSONValue?
    public var ok: Bool
    public var result: JSONValue?
    public var error: ProtocolError?

    /// The result as `T`, or the daemon's error.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let error { throw error }
        let data = try WireCodec.encoder.encode(result ?? .null)
        return try WireCodec.decoder.decode(T.self, from: data)
    }
}

/// RFC 3339 times in UTC, as every timestamp of the protocol is written.
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        date.ISO8601Format()
    }
}
