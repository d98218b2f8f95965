import Foundation
import ModeldCore
import Testing

// MARK: Helpers

/// The bytes of a safetensors file: the 8-byte little-endian length, the JSON header
/// (space-padded to a multiple of 8 when `pad`, as the reference writer does), then
/// `dataLength` bytes of data.
private func safetensorsFile(header: String, dataLength: Int, pad: Bool = true) -> [UInt8] {
    var json = Array(header.utf8)
    if pad { json += Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8) }
    return lengthPrefix(UInt64(json.count)) + json + Array(repeating: 0xAB, count: dataLength)
}

private func lengthPrefix(_ length: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
}

/// A header for tensors laid out one after another, and the data length it needs.
/// Byte sizes are spelled out here, not taken from the code under test.
private func contiguousHeader(
    _ tensors: [(name: String, dtype: String, shape: [Int], bytes: Int)], metadata: String? = nil
) -> (json: String, dataLength: Int) {
    var entries: [String] = metadata.map { [#""__metadata__":\#($0)"#] } ?? []
    var offset = 0
    for tensor in tensors {
        entries.append(
            #""\#(tensor.name)":{"dtype":"\#(tensor.dtype)","shape":\#(tensor.shape),"#
                + #""data_offsets":[\#(offset),\#(offset + tensor.bytes)]}"#)
        offset += tensor.bytes
    }
    return ("{" + entries.joined(separator: ",") + "}", offset)
}

/// What the caller does: read 8 bytes, then N bytes (fewer if the file ends), stat the size.
private func check(_ file: [UInt8]) throws(StructureProblem) -> SafetensorsHeader {
    let length = try SafetensorsHeader.headerLength(prefix: file.prefix(SafetensorsHeader.prefixLength))
    let header = Data(file.dropFirst(SafetensorsHeader.prefixLength).prefix(Int(length)))
    return try SafetensorsHeader.parse(headerJSON: header, headerLength: length, fileSize: Int64(file.count))
}

private func problem(_ file: [UInt8]) -> StructureProblem? {
    do {
        _ = try check(file)
        return nil
    } catch {
        return error
    }
}

private let twoTensors = contiguousHeader([
    ("model.embed.weight", "BF16", [4, 2], 16), ("model.norm.weight", "F32", [3], 12),
])

// MARK: safetensors

@Suite struct SafetensorsHeaderTests {
    @Test(arguments: [
        (nil, nil, true), (nil, nil, false),
        (#"{"format":"pt","note":"x"}"#, ["format": "pt", "note": "x"], true), (#"{}"#, [:], false),
    ] as [(String?, [String: String]?, Bool)])
    func validFilePasses(metadataJSON: String?, metadata: [String: String]?, pad: Bool) throws {
        let header = contiguousHeader(
            [("model.embed.weight", "BF16", [4, 2], 16), ("model.norm.weight", "F32", [3], 12)], metadata: metadataJSON)
        let file = safetensorsFile(header: header.json, dataLength: header.dataLength, pad: pad)
        let parsed = try check(file)
        #expect(parsed.tensors.count == 2)
        #expect(
            parsed.tensors["model.embed.weight"]
                == SafetensorsHeader.Tensor(dtype: .bf16, shape: [4, 2], dataOffsets: 0..<16))
        #expect(parsed.tensors["model.norm.weight"]?.dataOffsets == 16..<28)
        #expect(parsed.metadata == metadata)
        #expect(parsed.dataStart + parsed.dataLength == UInt64(file.count))
        if pad { #expect(parsed.headerLength % 8 == 0) }
    }

    @Test func tensorsMayBeListedInAnyOrder() throws {
        let json = #"{"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}"#
        let parsed = try check(safetensorsFile(header: json, dataLength: 5))
        #expect(parsed.tensors["b"]?.dataOffsets == 3..<5)
    }

    @Test func readsTheLengthLittleEndian() throws {
        #expect(try SafetensorsHeader.headerLength(prefix: [0x10, 0x27, 0, 0, 0, 0, 0, 0]) == 10_000)
        // A larger first read is fine: only 8 bytes are the length.
        #expect(try SafetensorsHeader.headerLength(prefix: [8, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]) == 8)
    }

    @Test func truncatedByOneByte() {
        let file = safetensorsFile(header: twoTensors.json, dataLength: twoTensors.dataLength)
        let found = problem(Array(file.dropLast()))
        #expect(found == .fileSizeMismatch(expected: UInt64(file.count), actual: Int64(file.count - 1)))
        #expect(found?.description == "truncated: the header says \(file.count) bytes, the file has \(file.count - 1)")
    }

    @Test func oneByteLonger() {
        let file = safetensorsFile(header: twoTensors.json, dataLength: twoTensors.dataLength)
        let found = problem(file + [0])
        #expect(found == .fileSizeMismatch(expected: UInt64(file.count), actual: Int64(file.count + 1)))
        #expect(found?.description.hasPrefix("too long") == true)
    }

    @Test(arguments: [100_000_001, 1 << 40, UInt64.max])
    func headerLengthOverTheLimit(length: UInt64) {
        #expect(throws: StructureProblem.headerTooLarge(headerLength: length)) {
            try SafetensorsHeader.headerLength(prefix: lengthPrefix(length))
        }
        #expect(throws: StructureProblem.headerTooLarge(headerLength: length)) {
            try SafetensorsHeader.parse(headerJSON: Data(), headerLength: length, fileSize: .max)
        }
    }

    @Test func headerLengthAtTheLimitIsAllowed() throws {
        #expect(try SafetensorsHeader.headerLength(prefix: lengthPrefix(100_000_000)) == 100_000_000)
    }

    @Test func headerLongerThanTheFile() {
        let file = lengthPrefix(1_000) + Array(#"{"a":1}"#.utf8)
        let found = problem(file)
        #expect(found == .headerBeyondFile(headerLength: 1_000, fileSize: 15))
        #expect(found?.description == "truncated: the header alone needs 1008 bytes, the file has 15")
    }

    @Test(arguments: [0, 1, 7])
    func tooShortForTheLength(count: Int) {
        #expect(problem(Array(repeating: 0, count: count)) == .tooShortForHeaderLength(byteCount: count))
    }

    @Test func aShortReadOfTheHeader() {
        #expect(throws: StructureProblem.headerIncomplete(headerLength: 16, bytesRead: 3)) {
            try SafetensorsHeader.parse(headerJSON: Data("{  ".utf8), headerLength: 16, fileSize: 1_000)
        }
    }

    @Test func notUTF8() {
        let json: [UInt8] = [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]
        #expect(problem(lengthPrefix(8) + json) == .headerNotUTF8)
    }

    @Test func aByteOrderMarkIsNotJSON() {
        // serde_json, behind the reference parser, refuses one; JSONDecoder alone would not.
        let found = problem(lengthPrefix(8) + [0xEF, 0xBB, 0xBF] + Array("{}   ".utf8))
        #expect(found == .headerNotJSON(detail: "it starts with a byte-order mark"))
    }

    @Test func notJSON() {
        let found = problem(safetensorsFile(header: "this is not json", dataLength: 0))
        guard case .headerNotJSON = found else {
            Issue.record("expected headerNotJSON, got \(String(describing: found))")
            return
        }
        #expect(found?.description.hasPrefix("the header is not JSON") == true)
    }

    @Test(arguments: [
        ("[1,2,3]", "an array"), (#""text""#, "a string"), ("42", "a number"), ("null", "null"), ("true", "a boolean"),
    ])
    func jsonButNotAnObject(json: String, found: String) {
        #expect(problem(safetensorsFile(header: json, dataLength: 0)) == .headerNotObject(found: found))
    }

    /// One broken tensor (or metadata) among sound ones; the data is as long as the
    /// offsets say, so only the named rule can fail.
    @Test(arguments: [
        // Gap: "b" starts at 16, "a" ended at 12.
        (
            #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}"#,
            20, StructureProblem.dataGap(tensor: "b", begin: 16, expectedBegin: 12)
        ),
        // A first tensor not at 0 is a gap too.
        (
            #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#,
            8, .dataGap(tensor: "a", begin: 4, expectedBegin: 0)
        ),
        // Overlap: "b" starts inside "a".
        (
            #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            16, .dataOverlap(tensor: "b", begin: 8, expectedBegin: 12)
        ),
        // Two tensors on the same bytes.
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            8, .dataOverlap(tensor: "b", begin: 0, expectedBegin: 8)
        ),
        (
            #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#,
            20, .tensorSizeMismatch(tensor: "a", dtype: .f32, shape: [2, 3], expectedBytes: 24, actualBytes: 20)
        ),
        (
            #"{"a":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,2]}}"#,
            2, .unknownDtype(tensor: "a", dtype: "Q4_K")
        ),
        (#"{"a":{"shape":[2],"data_offsets":[0,2]}}"#, 2, .tensorFieldMissing(tensor: "a", field: "dtype")),
        (#"{"a":{"dtype":"U8","data_offsets":[0,2]}}"#, 2, .tensorFieldMissing(tensor: "a", field: "shape")),
        (#"{"a":{"dtype":"U8","shape":[2]}}"#, 2, .tensorFieldMissing(tensor: "a", field: "data_offsets")),
        (
            #"{"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}}"#,
            2, .tensorFieldInvalid(tensor: "a", field: "shape", expected: "a list of whole numbers ≥ 0")
        ),
        (
            #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,1,2]}}"#,
            2, .tensorFieldInvalid(tensor: "a", field: "data_offsets", expected: "[begin, end], whole numbers ≥ 0")
        ),
        (
            #"{"a":{"dtype":8,"shape":[2],"data_offsets":[0,2]}}"#,
            2, .tensorFieldInvalid(tensor: "a", field: "dtype", expected: "a string such as \"F32\"")
        ),
        (#"{"a":[0,2]}"#, 2, .tensorNotObject(tensor: "a")),
        (
            #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[0],"data_offsets":[0,3]}}"#,
            3, .tensorSizeMismatch(tensor: "b", dtype: .u8, shape: [0], expectedBytes: 0, actualBytes: 3)
        ),
        (#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,0]}}"#, 0, .dataGap(tensor: "a", begin: 2, expectedBegin: 0)),
        (
            #"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#,
            2, .tensorNotWholeBytes(tensor: "a", dtype: .f4, bits: 12)
        ),
        (
            #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
            4, .tensorSizeOverflow(tensor: "a")
        ),
        (
            #"{"__metadata__":{"format":1},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#,
            2, .metadataNotStrings
        ),
    ] as [(String, Int, StructureProblem)])
    func brokenHeader(json: String, dataLength: Int, expected: StructureProblem) {
        #expect(problem(safetensorsFile(header: json, dataLength: dataLength)) == expected)
    }

    @Test func offsetsThatEndBeforeTheyBegin() {
        let json = #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#
        #expect(problem(safetensorsFile(header: json, dataLength: 0)) == nil)
        let reversed = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}"#
        #expect(problem(safetensorsFile(header: reversed, dataLength: 2)) == .offsetsReversed(tensor: "b", begin: 2, end: 1))
    }

    @Test func scalarShapeIsOneElement() throws {
        let header = contiguousHeader([("step", "I64", [], 8), ("scale", "BF16", [], 2)])
        let parsed = try check(safetensorsFile(header: header.json, dataLength: header.dataLength))
        #expect(parsed.tensors["step"] == SafetensorsHeader.Tensor(dtype: .i64, shape: [], dataOffsets: 0..<8))
        #expect(parsed.tensors["scale"]?.dataOffsets == 8..<10)
    }

    @Test func zeroSizeTensors() throws {
        let header = contiguousHeader([("empty", "F32", [0, 4], 0), ("w", "F16", [2], 4), ("tail", "U8", [3, 0], 0)])
        let parsed = try check(safetensorsFile(header: header.json, dataLength: header.dataLength))
        #expect(parsed.tensors["empty"]?.dataOffsets == 0..<0)
        #expect(parsed.tensors["tail"]?.dataOffsets == 4..<4)
        // A file of no tensors at all is only its header.
        #expect(try check(safetensorsFile(header: "{}", dataLength: 0)).tensors.isEmpty)
    }

    @Test func subByteAndNewerDtypes() throws {
        let header = contiguousHeader([
            ("f4", "F4", [3, 2], 3), ("f6", "F6_E2M3", [4], 3), ("e8m0", "F8_E8M0", [5], 5), ("c", "C64", [1], 8),
            ("flag", "BOOL", [2], 2),
        ])
        let parsed = try check(safetensorsFile(header: header.json, dataLength: header.dataLength))
        #expect(parsed.tensors["f4"]?.dtype == .f4)
        #expect(parsed.tensors["flag"]?.dataOffsets == 19..<21)
    }

    @Test(arguments: [
        ("BOOL", 8), ("U8", 8), ("I8", 8), ("F8_E5M2", 8), ("F8_E4M3", 8), ("I16", 16), ("U16", 16), ("F16", 16),
        ("BF16", 16), ("I32", 32), ("U32", 32), ("F32", 32), ("I64", 64), ("U64", 64), ("F64", 64),
    ] as [(String, UInt64)])
    func dtypeSizes(name: String, bits: UInt64) {
        #expect(SafetensorsHeader.Dtype(rawValue: name)?.bitsPerElement == bits)
    }

    @Test func problemsReadWell() {
        #expect(
            StructureProblem.tensorSizeMismatch(tensor: "a", dtype: .f32, shape: [2, 3], expectedBytes: 24, actualBytes: 20)
                .description == #"tensor "a" is F32 [2, 3], which takes 24 bytes, but its data_offsets span 20"#)
        #expect(
            StructureProblem.dataGap(tensor: "b", begin: 16, expectedBegin: 12).description
                == #"tensor "b" starts at byte 16 of the data, leaving 4 unused bytes after byte 12"#)
        #expect(StructureProblem.headerTooLarge(headerLength: 100_000_001).description.contains("100000000"))
    }
}

// MARK: Shard indexes

/// A Wan-like index: `high_noise_model/diffusion_pytorch_model.safetensors.index.json`
/// next to its six shards, two tensors in each.
private enum Wan {
    static let shards = (1...6).map { "diffusion_pytorch_model-0000\($0)-of-00006.safetensors" }
    static let tensorsByShard: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: shards.enumerated().map { index, shard in
            (shard, ["blocks.\(index).self_attn.q.weight", "blocks.\(index).self_attn.k.weight"])
        })

    static func index(_ weightMap: [String: String], totalSize: String = "57153232896") -> Data {
        let entries = weightMap.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }
        return Data(
            #"{"metadata":{"total_size":\#(totalSize)},"weight_map":{\#(entries.joined(separator: ","))}}"#.utf8)
    }

    static var weightMap: [String: String] {
        var map: [String: String] = [:]
        for (shard, tensors) in tensorsByShard { for tensor in tensors { map[tensor] = shard } }
        return map
    }
}

@Suite struct ShardIndexTests {
    @Test func validWanIndexPasses() throws {
        let index = try ShardIndex.parse(Wan.index(Wan.weightMap))
        #expect(index.totalSize == 57_153_232_896)
        #expect(index.shards == Set(Wan.shards))
        #expect(index.weightMap.count == 12)
        #expect(index.problems(presentShards: Set(Wan.shards), tensorsByShard: Wan.tensorsByShard).isEmpty)
        #expect(index.problems(presentShards: Set(Wan.shards), tensorsByShard: nil).isEmpty)
    }

    @Test(arguments: ["1.6e10", #""big""#, "-5"])
    func oddTotalSizeIsNotAProblem(totalSize: String) throws {
        let index = try ShardIndex.parse(Wan.index(Wan.weightMap, totalSize: totalSize))
        #expect(index.totalSize == (totalSize == "1.6e10" ? 16_000_000_000 : nil))
    }

    @Test func aMissingShard() throws {
        let index = try ShardIndex.parse(Wan.index(Wan.weightMap))
        var present = Set(Wan.shards)
        present.remove(Wan.shards[3])
        #expect(index.problems(presentShards: present, tensorsByShard: nil) == [.shardMissing(shard: Wan.shards[3])])
    }

    @Test func anExtraShardPresent() throws {
        let index = try ShardIndex.parse(Wan.index(Wan.weightMap))
        let stray = "diffusion_pytorch_model-00007-of-00006.safetensors"
        let present = Set(Wan.shards).union([stray])
        #expect(
            index.problems(presentShards: present, tensorsByShard: Wan.tensorsByShard)
                == [.shardNotInIndex(shard: stray)])
    }

    @Test func aShardWhoseHeaderDiffersFromTheMap() throws {
        let index = try ShardIndex.parse(Wan.index(Wan.weightMap))
        var headers = Wan.tensorsByShard
        // Shard 2 holds shard 3's q instead of its own k (a mixed-up re-upload).
        headers[Wan.shards[1]] = ["blocks.1.self_attn.q.weight", "blocks.2.self_attn.q.weight"]
        let found = index.problems(presentShards: Set(Wan.shards), tensorsByShard: headers)
        #expect(
            found == [
                .shardTensorsDiffer(
                    shard: Wan.shards[1], missing: ["blocks.1.self_attn.k.weight"],
                    unexpected: ["blocks.2.self_attn.q.weight"])
            ])
        #expect(found.first?.description.contains("1 tensor (\"blocks.1.self_attn.k.weight\") missing") == true)
    }

    @Test(arguments: [
        "../x.safetensors", "/etc/passwd", "sub/model.safetensors", "..", ".", "", "a\\u0000b.safetensors",
        "..\\\\x.safetensors",
    ])
    func hostileShardNames(name: String) {
        let data = Data(#"{"weight_map":{"a.weight":"ok.safetensors","b.weight":"\#(name)"}}"#.utf8)
        #expect {
            try ShardIndex.parse(data)
        } throws: { error in
            guard case .unsafeShardName = error as? StructureProblem else { return false }
            return true
        }
    }

    @Test(arguments: [
        ("definitely not json", nil),
        ("[1, 2]", StructureProblem.indexMalformed(reason: "it is an array, not a JSON object")),
        (#"{"metadata":{"total_size":1}}"#, .indexMissingWeightMap),
        (#"{"weight_map":["a.safetensors"]}"#, .indexMalformed(reason: "weight_map must map tensor names to shard file names")),
        (#"{"weight_map":{"a.weight":1}}"#, .indexMalformed(reason: "weight_map must map tensor names to shard file names")),
    ] as [(String, StructureProblem?)])
    func garbageIndex(text: String, expected: StructureProblem?) {
        do {
            _ = try ShardIndex.parse(Data(text.utf8))
            Issue.record("parsed \(text)")
        } catch {
            if let expected {
                #expect(error == expected)
            } else {
                guard case .indexNotJSON = error else {
                    Issue.record("expected indexNotJSON, got \(error)")
                    return
                }
            }
        }
    }
}
