import Foundation
import ModeldProtocol

/// Generates control-socket request lines: envelopes of every command of PROTOCOL.md
/// with right, wrong-typed, missing and extra arguments, other JSON, deep nesting, text
/// and bytes that are not JSON, blank lines, and lines at and over the 1 MiB limit.
///
/// Two kinds of request are never generated, because the daemon is right to obey them:
/// removing the protected model by its exact name (`evict`, `unkeep`), and a real wait
/// (`acquire` with `wait_s` > 0) for a model that cannot become ready, which holds its
/// connection for as long as it was asked to.
public struct RequestFuzzer {
    public var json: HostileJSON
    /// The model the test keeps available.
    public let protected: String
    /// A catalog model that is not and will not be ready.
    public let unready: String
    private var count = 0

    public init(seed: UInt64, protected: String, unready: String, escapeTarget: String, sentinel: String) {
        json = HostileJSON(seed: seed, escapeTarget: escapeTarget, sentinel: sentinel)
        self.protected = protected
        self.unready = unready
    }

    /// Each argument of each command (PROTOCOL.md's table), and the kind of value it takes.
    enum Kind { case model, number, bool, text, priority, needs, list }
    static let arguments: [String: [(String, Kind)]] = [
        "version": [], "status": [("model", .model)], "pull": [("model", .model), ("priority", .priority)],
        "pause": [("model", .model), ("all", .bool)], "resume": [("model", .model), ("all", .bool)],
        "cancel": [("model", .model), ("all", .bool), ("discard", .bool)],
        "priority": [("model", .model), ("level", .priority), ("first", .bool)],
        "limit": [("bytes_per_s", .number), ("model", .model)], "verify": [("model", .model), ("deep", .bool)],
        "repair": [("model", .model)],
        "acquire": [("model", .model), ("wait_s", .number), ("needs", .needs)],
        "release": [("lease", .text), ("success", .bool), ("duration_s", .number)],
        "report": [("model", .model), ("duration_s", .number), ("success", .bool), ("frames", .number), ("error", .text)],
        "suggest": [("model", .model), ("needs", .needs)], "resources": [], "usage": [("model", .model), ("days", .number)],
        "health": [], "keep": [("model", .model)], "unkeep": [("model", .model)], "evict": [("model", .model)],
        "cleanup": [("dry_run", .bool), ("target_free_bytes", .number)],
        "update": [("model", .model), ("check_only", .bool), ("now", .bool)], "rollback": [("model", .model)],
        "history": [("model", .model)], "adopt": [("model", .model), ("dir", .text), ("mode", .text)],
        "subscribe": [("topics", .list), ("models", .list)], "metrics": [], "reload": [],
    ]
    static let commands = arguments.keys.sorted()

    public mutating func next() -> FuzzLine {
        count += 1
        switch Int.random(in: 0..<1000, using: &json.random) {
        case 0: return atLimit(overBy: 0)
        case 1: return atLimit(overBy: json.random.pick([1, 2, 4096]))
        case 2..<560: return envelope(command: json.random.pick(Self.commands))
        case 560..<640: return envelope(command: nil)
        case 640..<720: return otherJSON()
        case 720..<760: return FuzzLine(json.nested(), answer: .one(.absent))
        case 760..<860: return notJSON()
        case 860..<900: return FuzzLine(json.random.pick(["", "\r"]), answer: .none)
        default: return padded()
        }
    }

    /// `{"id":…,"cmd":…,…}` in a random field order. `command` nil: a `cmd` that is
    /// missing, of the wrong type, or names no command.
    mutating func envelope(command: String?) -> FuzzLine {
        var fields: [String] = []
        let (idField, expected) = id()
        if let idField { fields.append(idField) }
        var ends = false
        if let command {
            fields.append(#""cmd":"\#(command)""#)
            fields += arguments(of: command)
            ends = command == "subscribe"
        } else if json.random.chance(0.8) {
            let cmd = json.random.chance(0.5) ? json.string() : json.value()
            fields.append("\"cmd\":\(cmd)")
            fields += (0..<Int.random(in: 0...2, using: &json.random)).map { _ in "\(json.string()):\(json.value())" }
        }
        fields.shuffle(using: &json.random)
        let text = "{" + fields.joined(separator: ",") + "}"
        return FuzzLine(text, answer: .one(Self.isObject(text) ? expected : .absent), endsConnection: ends)
    }

    /// Whether `text` is a JSON object at all: a hostile token (`NaN`, `+1`), an unclosed
    /// or too deep nesting, a lone surrogate make it not JSON, and then no id can be read
    /// to echo. Foundation's parser decides, as in the daemon: depth limits and surrogates
    /// are a parser's choice, not the protocol's.
    static func isObject(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any]
    }

    /// Mostly an id the answer must echo (a number or a string unique to the line), else
    /// none, or one of any JSON type: only a string or a number is echoed (a hostile one
    /// may come back rounded, so it is not compared), `null` is no id, and any other kind
    /// is refused without being echoed.
    mutating func id() -> (String?, FuzzLine.ExpectedID) {
        switch Int.random(in: 0..<10, using: &json.random) {
        case 0..<5: return (#""id":\#(count)"#, .echoed(.number(Double(count))))
        case 5..<7: return (#""id":"f\#(count)-é😀""#, .echoed(.string("f\(count)-é😀")))
        case 7: return (nil, .absent)
        default:
            let value = json.value(depth: 2)
            let scalar = !["{", "[", "t", "f", "n"].contains(value.first.map(String.init) ?? "")
            return ("\"id\":\(value)", scalar ? .unchecked : .absent)
        }
    }

    mutating func arguments(of command: String) -> [String] {
        var fields: [String] = []
        for (name, kind) in Self.arguments[command] ?? [] where json.random.chance(0.75) {
            let value = json.random.chance(0.7) ? typed(kind) : json.value()
            fields.append("\"\(name)\":\(value)")
        }
        if json.random.chance(0.2) { fields.append("\(json.string()):\(json.value())") }
        return sanitized(fields, of: command)
    }

    /// A value of the right JSON type, hostile inside.
    mutating func typed(_ kind: Kind) -> String {
        switch kind {
        case .model: json.random.chance(0.5) ? json.random.pick(["\"\(protected)\"", "\"\(unready)\""]) : json.string()
        case .number: json.number()
        case .bool: json.random.pick(["true", "false"])
        case .text: json.string()
        case .priority: json.random.chance(0.5) ? json.random.pick(["\"critical\"", "\"high\"", "\"normal\"", "\"low\""]) : json.string()
        case .list: "[" + (0..<Int.random(in: 0...3, using: &json.random)).map { _ in json.string() }.joined(separator: ",") + "]"
        case .needs: needs()
        }
    }

    /// `needs`, often with a task and a size the catalog's models serve, so the fallback
    /// advisor gets as far as comparing sizes, with pixel counts that overflow an Int.
    mutating func needs() -> String {
        let task = json.random.chance(0.5) ? json.random.pick(["\"t2v\"", "\"i2v\""]) : json.string()
        let resolution = json.random.chance(0.5)
            ? "\"" + json.random.pick([
                "1280*720", "720*1280", "1024*1024", "99999999999*99999999999", "3037000500*3037000500",
                "9223372036854775807*9223372036854775807", "1*9223372036854775807", "0*0", "-1*-1", " 1280 x 720 ",
            ]) + "\""
            : json.string()
        let vram = json.random.chance(0.5) ? json.random.pick(["0", "8", "24", "80", "4096"]) : json.number()
        let fields = [("task", task), ("resolution", resolution), ("vram_gb", vram)].filter { _ in json.random.chance(0.7) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Drops what the daemon would be right to obey (see the type's comment), whichever
    /// field carries the name (an extra field may repeat the key `model`).
    func sanitized(_ fields: [String], of command: String) -> [String] {
        switch command {
        case "evict", "unkeep":
            return fields.filter { !$0.hasSuffix(#":"\#(protected)""#) }
        case "acquire" where fields.contains { $0.hasSuffix(#":"\#(unready)""#) }:
            return fields.filter { !$0.hasPrefix(#""wait_s":"#) }
        default:
            return fields
        }
    }

    /// JSON that is not a request object: any value, or an object without `cmd`.
    mutating func otherJSON() -> FuzzLine {
        let text = json.random.chance(0.5) ? json.value() : json.object(depth: 2)
        // No key of the generated objects is "id": nothing to echo.
        return FuzzLine(text, answer: .one(.absent))
    }

    /// Text and bytes that are not JSON: invalid UTF-8, a raw NUL, truncated objects.
    mutating func notJSON() -> FuzzLine {
        let fragments: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xFE, 0xFF], [0x00],
            Array("{\"cmd\":\"status\"".utf8), Array("{\"cmd\":\"status\",}".utf8), Array("{'cmd':'status'}".utf8),
            Array("cmd=status".utf8), Array("GET / HTTP/1.1".utf8), Array("\u{1B}[2J".utf8), Array("{\"cmd\":\"st".utf8),
            Array("\"unterminated".utf8), Array("}{".utf8), Array("[1,]".utf8), Array(" ".utf8), Array("\t".utf8),
        ]
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 1...4, using: &json.random) { bytes += json.random.pick(fragments) }
        if json.random.chance(0.3) {
            bytes += (0..<Int.random(in: 1...200, using: &json.random)).map { _ in UInt8.random(in: 0...255, using: &json.random) }
        }
        bytes.removeAll { $0 == 0x0A }
        // "\r" alone would be a blank line, and a stray byte may make an object parse:
        // a leading NUL keeps it from ever being JSON.
        return FuzzLine([0x00] + bytes, answer: .one(.absent))
    }

    /// A good request wrapped in a BOM, spaces or a raw NUL inside a string.
    mutating func padded() -> FuzzLine {
        let line = #"{"id":\#(count),"cmd":"version"}"#
        switch Int.random(in: 0..<3, using: &json.random) {
        case 0: return FuzzLine("  \t" + line + " ", answer: .one(.echoed(.number(Double(count)))))
        case 1: return FuzzLine("\u{FEFF}" + line, answer: .one(.unchecked))
        default: return FuzzLine(Array(#"{"id":\#(count),"cmd":"ver"#.utf8) + [0] + Array(#"sion"}"#.utf8), answer: .one(.absent))
        }
    }

    /// A `version` request padded to `WireCodec.maximumLineBytes + overBy` bytes.
    mutating func atLimit(overBy extra: Int) -> FuzzLine {
        let head = #"{"id":\#(count),"cmd":"version","pad":""#
        let padding = WireCodec.maximumLineBytes + extra - head.utf8.count - 2
        let line = head + String(repeating: "x", count: padding) + "\"}"
        return extra == 0 ? FuzzLine(line, answer: .one(.echoed(.number(Double(count))))) : FuzzLine(line, answer: .tooLarge)
    }
}
