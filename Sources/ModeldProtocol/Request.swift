import Foundation

/// One request line: the envelope (`id`, `cmd`) read at once, the arguments decoded
/// into a command's own type on demand, from the same bytes.
public struct Request: Sendable {
    public var id: JSONValue?
    public var command: String
    public var line: Data

    private struct Envelope: Decodable {
        var cmd: String?
    }

    private struct Identifier: Decodable {
        var id: JSONScalar?
    }

    /// Reads the envelope of `line`; the error names what is wrong with it. An `id` that
    /// could be read is returned even when the rest is wrong, to echo it.
    public static func parse(_ line: Data) throws(Rejection) -> Request {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: line)
        } catch {
            throw Rejection(id: nil, error: ProtocolError(
                .badRequest, "the line is not JSON",
                hint: #"send one JSON object per line, like {"cmd":"status"}"#))
        }
        guard object is [String: Any] else {
            throw Rejection(id: nil, error: ProtocolError(
                .badRequest, "a request must be a JSON object with \"cmd\"",
                hint: #"like {"id":1,"cmd":"status"}; "id" may be a string or a number"#))
        }
        // PROTOCOL.md: a string or a number (`null`: none). Another kind is refused, not echoed.
        let id = (try? WireCodec.decoder.decode(Identifier.self, from: line))?.id
        if let id, id.value?.number == nil, id.value?.string == nil {
            throw Rejection(id: nil, error: ProtocolError(
                .badRequest, "\"id\" must be a string or a number",
                hint: #"like {"id":1,"cmd":"status"} or {"id":"job-7","cmd":"status"}"#))
        }
        guard let envelope = try? WireCodec.decoder.decode(Envelope.self, from: line) else {
            throw Rejection(id: id?.value, error: ProtocolError(
                .badRequest, "\"cmd\" must be a string",
                hint: #"like {"id":1,"cmd":"status"}; "id" may be a string or a number"#))
        }
        guard let command = envelope.cmd, !command.isEmpty else {
            throw Rejection(id: id?.value, error: ProtocolError(
                .badRequest, "the request has no \"cmd\"",
                hint: #"like {"cmd":"status"}; "version" and "status" are good first commands"#))
        }
        return Request(id: id?.value, command: command, line: line)
    }

    /// A line that is not a request, with the `id` to echo when one could be read.
    public struct Rejection: Error, Sendable {
        public var id: JSONValue?
        public var error: ProtocolError
    }

    /// The command's arguments, decoded from the request line (they sit beside `cmd`).
    public func arguments<T: Decodable>(_ type: T.Type) throws(ProtocolError) -> T {
        do {
            return try WireCodec.decoder.decode(T.self, from: line)
        } catch let DecodingError.typeMismatch(expected, context) {
            throw ProtocolError(.badRequest, "argument \"\(Self.name(context.codingPath))\" must be \(Self.describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw ProtocolError(.badRequest, "argument \"\(Self.name(context.codingPath))\" must be \(Self.describe(expected))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ProtocolError(.badRequest, "argument \"\(Self.name(context.codingPath + [key]))\" is required for \(command)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ProtocolError(.badRequest, "argument \"\(Self.name(context.codingPath))\": \(context.debugDescription)")
        } catch {
            throw ProtocolError(.badRequest, "the arguments cannot be read: \(error)")
        }
    }

    private static func name(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is [String].Type: "a list of strings"
        default: "of another type (see the protocol reference)"
        }
    }
}

/// Arguments of commands that name at most one model.
public struct ModelArgument: Codable, Sendable {
    public var model: String?
    public init(model: String? = nil) { self.model = model }
}
