/// Permission bits written in config as an octal string, `"0660"`.
public struct FileMode: Sendable, Hashable, CustomStringConvertible {
    public var bits: UInt32

    public init(_ bits: UInt32) { self.bits = bits }

    public init?(octal text: String) {
        guard !text.isEmpty, text.count <= 4, let bits = UInt32(text, radix: 8), bits <= 0o777 else { return nil }
        self.bits = bits
    }

    public var description: String {
        let digits = String(bits, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension FileMode: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let mode = FileMode(octal: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a file mode; write it in octal, like \"0660\"")
        }
        self = mode
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
