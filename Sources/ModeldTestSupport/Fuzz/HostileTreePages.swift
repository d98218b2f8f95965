/// Tree listings a hostile hub or a tampered store might hand the manifest parsers:
/// the hub's page format (`[{type, path, size, oid, lfs}]`) and the kept one
/// (`{"format_version":1,"files":{…}}`), with every field drawn from values that are
/// fine, hostile, or of the wrong type.
public struct HostileTreePages {
    public var json: HostileJSON

    public init(seed: UInt64) {
        json = HostileJSON(seed: seed, escapeTarget: "/tmp/fuzz-escape-parser", sentinel: "/tmp/fuzz-sentinel-parser")
    }

    static let goodSHA1 = String(repeating: "ab", count: 20)
    static let goodSHA256 = String(repeating: "cd", count: 32)

    /// Paths as JSON text: plain ones the parser must accept, and every way out of a snapshot.
    static let paths = [
        #""config.json""#, #""google/umt5-xxl/spiece.model""#, #""a b/c+d.json""#, #""é/😀.bin""#, #""\u202Eevil.txt""#,
        #""../x""#, #""a/../../x""#, #""/etc/passwd""#, #""a//b""#, #""./a""#, #""a/.""#, #""a/""#, #""""#, #""a\u0000b""#,
        #""a\\b""#, #""\u001b[2J""#, #""\u007f""#, #""..""#, #"".""#, #""//""#, #""\ud800""#, #""~/x""#, #""C:\\x""#,
        "\"" + String(repeating: "a/", count: 2_049) + "b\"", "\"" + String(repeating: "s", count: 256) + "\"",
        "\"" + String(repeating: "é", count: 128) + "\"", "5", "null", "[]",
    ]

    static let digests = [
        "\"\(goodSHA1)\"", "\"\(goodSHA256)\"", "\"\(goodSHA1.uppercased())\"", "\"\(goodSHA256.uppercased())\"", #""abc""#,
        "\"" + String(repeating: "g", count: 40) + "\"", "\"" + String(repeating: "٣", count: 40) + "\"",
        "\"" + String(repeating: "０", count: 64) + "\"", "\"\(goodSHA1.dropLast())/\"", #""../../../../etc/passwd""#,
        "\"\(goodSHA1)\(goodSHA1)\"", "\"\(goodSHA1.dropLast())\\u0000\"", "\"\"", "null", "40", "{}",
    ]

    static let sizes = [
        "0", "1", "4096", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1152921504606846976",
        "1e308", "1.5", "-0", "\"12\"", "null", "true", "[]",
    ]

    static let types = [#""file""#, #""file""#, #""file""#, #""directory""#, #""FILE""#, #""""#, "5", "null"]

    /// A page of either format, or now and then anything at all.
    public mutating func next() -> String {
        switch Int.random(in: 0..<10, using: &json.random) {
        case 0: json.value()
        case 1..<4: keptListing()
        default: hubPage()
        }
    }

    mutating func pick(_ values: [String]) -> String { json.random.chance(0.9) ? json.random.pick(values) : json.value(depth: 1) }

    /// `[{type, path, size, oid, lfs}, …]`, some fields missing, a path now and then repeated.
    public mutating func hubPage() -> String {
        var entries: [String] = []
        for _ in 0..<Int.random(in: 0...6, using: &json.random) {
            var fields = [
                "\"type\":\(pick(Self.types))", "\"path\":\(pick(Self.paths))", "\"size\":\(pick(Self.sizes))",
                "\"oid\":\(pick(Self.digests))",
            ].filter { _ in json.random.chance(0.9) }
            if json.random.chance(0.4) {
                let lfs = ["\"oid\":\(pick(Self.digests))", "\"sha256\":\(pick(Self.digests))", "\"size\":\(pick(Self.sizes))"]
                    .filter { _ in json.random.chance(0.6) }
                fields.append("\"lfs\":" + (json.random.chance(0.9) ? "{" + lfs.joined(separator: ",") + "}" : json.value(depth: 1)))
            }
            entries.append("{" + fields.shuffled(using: &json.random).joined(separator: ",") + "}")
        }
        if let first = entries.first, json.random.chance(0.1) { entries.append(first) }
        return "[" + entries.joined(separator: ",") + "]"
    }

    /// `{"format_version":…,"files":{path: {size, blob_id, lfs_sha256, lfs_size}}}`.
    public mutating func keptListing() -> String {
        let files = (0..<Int.random(in: 0...5, using: &json.random)).map { _ in
            let fields = [
                "\"size\":\(pick(Self.sizes))", "\"blob_id\":\(pick(Self.digests))", "\"lfs_sha256\":\(pick(Self.digests))",
                "\"lfs_size\":\(pick(Self.sizes))",
            ].filter { _ in json.random.chance(0.8) }
            return "\(pick(Self.paths)):{" + fields.joined(separator: ",") + "}"
        }
        let version = json.random.chance(0.9) ? "1" : pick(["2", "0", "\"1\"", "null"])
        return "{\"format_version\":\(version),\"files\":{" + files.joined(separator: ",") + "}}"
    }
}
