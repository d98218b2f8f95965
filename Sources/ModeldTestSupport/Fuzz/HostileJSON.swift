/// JSON text a careless or hostile client might send, written by hand rather than by an
/// encoder: an encoder cannot write `-0`, `1e400`, a lone `\ud800` or a raw NUL, and
/// those are the point.
public struct HostileJSON {
    public var random: SplitMix64
    /// Paths and names a request may carry that must never appear on disk
    /// (`/tmp/fuzz-escape-<nonce>…`), and a folder whose contents must not change.
    public let escapeTarget: String
    public let sentinel: String

    public init(seed: UInt64, escapeTarget: String, sentinel: String) {
        random = SplitMix64(seed: seed)
        self.escapeTarget = escapeTarget
        self.sentinel = sentinel
    }

    /// Numbers at the edges of doubles and integers, and tokens that only look like numbers
    /// (the last ones make the line not JSON).
    public static let numbers = [
        "0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "1e309", "-1e400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "9007199254740993", "123456789012345678901234567890123456789", "1E+2", "0.0000000000000000000001",
        "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "0x10", "1e", "--1",
    ]

    /// String bodies (already escaped for a JSON string literal): unicode from every
    /// plane, RTL and combining marks, escaped lone surrogates, NUL, format strings.
    public var stringBodies: [String] {
        [
            "", " ", "tiny-video", "TINY-VIDEO", "tiny-video ", " tiny-video", "tiny-vid\\u00e9o", "tiny-video\\u0000",
            "tiny-video\\n", "tiny", "small", "nope", "\\ud800", "\\udfff", "\\ud800\\ud800", "a\\udc00b", "\\ud83d\\ude00",
            "😀𝕏𐍈\u{10FFFF}", "\u{202E}oediv-ynit", "مرحبا", "e\u{301}\u{302}\u{303}\u{304}\u{305}", "\u{FEFF}bom", "\u{200B}",
            "%s%n%x%p", "${HOME}", "$(reboot)", "`id`", "'; DROP TABLE blobs; --", "\\\\", "\\\"", "\\/", "\\t\\r\\b\\f",
            "..", "../../..", "../../../../../../../..\(escapeTarget)-dots", "\(escapeTarget)-abs", "\(escapeTarget)-abs/file",
            "file://\(escapeTarget)-url", "\(sentinel)", "\(sentinel)/precious.txt", "/etc/passwd", "/", "~root",
            "models--wan-test--tiny-video", "1280*720", "99999999999*99999999999", "-1*-1", "0*0", "1280x720",
            "9223372036854775807*9223372036854775807", "3037000500*3037000500", "*", "critical", "high", "low", "normal",
            "link", "move", "copy", "t2v", "i2v", "lease-1", "download", "model", "*",
        ]
    }

    public mutating func number() -> String {
        random.chance(0.7) ? random.pick(Self.numbers) : String(Int64.random(in: .min ... .max, using: &random))
    }

    /// A string literal, quotes included; now and then a long one.
    public mutating func string() -> String {
        if random.chance(0.03) {
            let unit = random.pick(["a", "é", "😀", "\\u0000", "/..", "\\ud800"])
            return "\"" + String(repeating: unit, count: Int.random(in: 1_000...40_000, using: &random)) + "\""
        }
        return "\"" + random.pick(stringBodies) + "\""
    }

    /// Any value, nested at most `depth` further.
    public mutating func value(depth: Int = 3) -> String {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random) {
        case 0: return "null"
        case 1: return random.pick(["true", "false"])
        case 2, 3: return number()
        case 4, 5: return string()
        case 6: return nested()
        case 7: return "[" + (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1) }.joined(separator: ",") + "]"
        default: return object(depth: depth - 1)
        }
    }

    public mutating func object(depth: Int) -> String {
        let fields = (0..<Int.random(in: 0...4, using: &random)).map { _ in "\(string()):\(value(depth: depth))" }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Arrays or objects nested hundreds to tens of thousands deep, closed or not.
    public mutating func nested() -> String {
        let depth = random.pick([10, 100, 511, 512, 513, 1_000, 10_000, 50_000])
        let open = random.chance(0.5) ? "[" : "{\"a\":"
        let close = open == "[" ? "]" : "}"
        let closed = random.chance(0.8)
        return String(repeating: open, count: depth) + "1" + (closed ? String(repeating: close, count: depth) : "")
    }
}
