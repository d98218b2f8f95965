/// A client's value where the protocol wants a scalar (a request's `id`, a usage
/// figure): null, true/false, a number or a string. An array or an object is left
/// undecoded, because decoding one as a `JSONValue` takes time growing with the square
/// of its depth: the 510 levels a 2 KiB line may hold took seconds, on a thread of the
/// pool every client shares.
public struct JSONScalar: Decodable, Sendable {
    /// Nil for an array or an object.
    public var value: JSONValue?

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            value = .number(number)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else {
            value = nil
        }
    }
}
