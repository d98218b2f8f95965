import Foundation

/// The header of a `.safetensors` file, checked the way the reference parser (the
/// `safetensors` crate) checks it, so a file that passes here also loads there. It is
/// the cheap structural check: a truncated or padded download, or a damaged header, is
/// caught from a few bytes and the file size, before any hashing.
///
/// Layout: 8 bytes `N` (little-endian u64), then `N` bytes of UTF-8 JSON (space-padded),
/// then the tensor data. No I/O here; the caller
/// 1. reads the first `prefixLength` bytes and hands them to `headerLength(prefix:)`,
/// 2. reads the next `N` bytes (fewer if the file ends first) and hands them, with `N`
///    and the file's size from `stat`, to `parse(headerJSON:headerLength:fileSize:)`.
public struct SafetensorsHeader: Sendable, Equatable {
    /// One tensor's entry.
    public struct Tensor: Sendable, Equatable {
        public var dtype: Dtype
        /// `[]` is a scalar: one element.
        public var shape: [UInt64]
        /// Relative to the start of the data, that is to byte `8 + headerLength` of the file.
        public var dataOffsets: Range<UInt64>

        public init(dtype: Dtype, shape: [UInt64], dataOffsets: Range<UInt64>) {
            self.dtype = dtype
            self.shape = shape
            self.dataOffsets = dataOffsets
        }
    }

    /// The element types the reference parser knows. Any other name is a problem: the
    /// reference would refuse the file, so it cannot be loaded whatever its bytes are.
    public enum Dtype: String, Sendable, CaseIterable {
        case bool = "BOOL"
        case f4 = "F4"
        case f6E2M3 = "F6_E2M3"
        case f6E3M2 = "F6_E3M2"
        case u8 = "U8"
        case i8 = "I8"
        case f8E5M2 = "F8_E5M2"
        case f8E4M3 = "F8_E4M3"
        case f8E8M0 = "F8_E8M0"
        case i16 = "I16"
        case u16 = "U16"
        case f16 = "F16"
        case bf16 = "BF16"
        case i32 = "I32"
        case u32 = "U32"
        case f32 = "F32"
        case c64 = "C64"
        case f64 = "F64"
        case i64 = "I64"
        case u64 = "U64"

        /// Bits, not bytes: F4 and F6 elements are packed, several to a byte.
        public var bitsPerElement: UInt64 {
            switch self {
            case .f4: 4
            case .f6E2M3, .f6E3M2: 6
            case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: 8
            case .i16, .u16, .f16, .bf16: 16
            case .i32, .u32, .f32: 32
            case .c64, .f64, .i64, .u64: 64
            }
        }
    }

    public var tensors: [String: Tensor]
    /// `__metadata__`, when the file has one.
    public var metadata: [String: String]?
    /// `N`: the JSON header's length in bytes, padding included.
    public var headerLength: UInt64

    public init(tensors: [String: Tensor], metadata: [String: String]?, headerLength: UInt64) {
        self.tensors = tensors
        self.metadata = metadata
        self.headerLength = headerLength
    }

    /// The 8 bytes of `N` before the JSON.
    public static let prefixLength = 8
    /// The reference parser's limit: a larger `N` is a damaged length, not a real header.
    public static let maxHeaderLength: UInt64 = 100_000_000

    /// Where the data starts in the file.
    public var dataStart: UInt64 { UInt64(Self.prefixLength) + headerLength }
    /// The data's length: the end of the last tensor.
    public var dataLength: UInt64 { tensors.values.map(\.dataOffsets.upperBound).max() ?? 0 }

    /// `N` from the file's first bytes. Only the first 8 are read, so a caller may hand
    /// over a larger first read.
    public static func headerLength(prefix: some Collection<UInt8>) throws(StructureProblem) -> UInt64 {
        guard prefix.count >= prefixLength else { throw .tooShortForHeaderLength(byteCount: prefix.count) }
        let length = prefix.prefix(prefixLength).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= maxHeaderLength else { throw .headerTooLarge(headerLength: length) }
        return length
    }

    /// Checks the JSON header against the reference parser's rules and the file's size.
    /// - Parameters:
    ///   - headerJSON: the `N` bytes after the prefix; bytes beyond `N` are ignored.
    ///   - headerLength: `N`, from `headerLength(prefix:)`.
    ///   - fileSize: the whole file's size, prefix included.
    public static func parse(
        headerJSON: Data, headerLength: UInt64, fileSize: Int64
    ) throws(StructureProblem) -> SafetensorsHeader {
        guard headerLength <= maxHeaderLength else { throw .headerTooLarge(headerLength: headerLength) }
        let headerEnd = Int64(prefixLength) + Int64(headerLength)  // ≤ 100_000_008: no overflow
        guard headerEnd <= fileSize else { throw .headerBeyondFile(headerLength: headerLength, fileSize: fileSize) }
        guard headerJSON.count >= headerLength else {
            throw .headerIncomplete(headerLength: headerLength, bytesRead: headerJSON.count)
        }
        let json = headerJSON.prefix(Int(headerLength))
        guard String(validating: json, as: UTF8.self) != nil else { throw .headerNotUTF8 }

        let raw = try decode(json)
        let tensors = try layOut(raw.tensors)

        let dataLength = tensors.last?.tensor.dataOffsets.upperBound ?? 0
        let (expected, overflow) = UInt64(headerEnd).addingReportingOverflow(dataLength)
        if overflow, let last = tensors.last { throw .tensorSizeOverflow(tensor: last.name) }
        guard expected == UInt64(fileSize) else {  // fileSize ≥ headerEnd > 0
            throw .fileSizeMismatch(expected: expected, actual: fileSize)
        }
        return SafetensorsHeader(
            tensors: Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first }),
            metadata: raw.metadata, headerLength: headerLength)
    }

    /// Sorts the tensors by offsets, as the reference does, and checks that they tile the
    /// data from 0 with no gap or overlap, each exactly as long as dtype × shape needs.
    private static func layOut(_ entries: [RawTensor]) throws(StructureProblem) -> [(name: String, tensor: Tensor)] {
        let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var laidOut: [(name: String, tensor: Tensor)] = []
        laidOut.reserveCapacity(sorted.count)
        var next: UInt64 = 0
        for entry in sorted {
            let name = entry.name
            if entry.begin > next { throw .dataGap(tensor: name, begin: entry.begin, expectedBegin: next) }
            if entry.begin < next { throw .dataOverlap(tensor: name, begin: entry.begin, expectedBegin: next) }
            guard entry.end >= entry.begin else {
                throw .offsetsReversed(tensor: name, begin: entry.begin, end: entry.end)
            }
            let bits = try bitCount(of: entry)
            guard bits % 8 == 0 else { throw .tensorNotWholeBytes(tensor: name, dtype: entry.dtype, bits: bits) }
            let actual = entry.end - entry.begin
            guard bits / 8 == actual else {
                throw .tensorSizeMismatch(
                    tensor: name, dtype: entry.dtype, shape: entry.shape, expectedBytes: bits / 8, actualBytes: actual)
            }
            laidOut.append((name, Tensor(dtype: entry.dtype, shape: entry.shape, dataOffsets: entry.begin..<entry.end)))
            next = entry.end
        }
        return laidOut
    }

    /// Elements × bits per element, multiplied left to right with overflow checks like the
    /// reference, so `[2^40, 2^40, 0]` overflows there and here alike.
    private static func bitCount(of entry: RawTensor) throws(StructureProblem) -> UInt64 {
        var total: UInt64 = 1
        for factor in entry.shape + [entry.dtype.bitsPerElement] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { throw .tensorSizeOverflow(tensor: entry.name) }
            total = product
        }
        return total
    }

    // MARK: Decoding

    /// A tensor entry as written, before its offsets are checked against the others.
    private struct RawTensor {
        var name: String
        var dtype: Dtype
        var shape: [UInt64]
        var begin: UInt64
        var end: UInt64
    }

    private struct RawHeader: Decodable {
        typealias Object = KeyedDecodingContainer<StructureJSON.Key>

        var tensors: [RawTensor] = []
        var metadata: [String: String]?

        /// Throws a `StructureProblem` (JSONDecoder passes it through) so each problem
        /// names its tensor and field; entries are visited in name order so the problem
        /// reported for a bad file does not vary from run to run.
        init(from decoder: any Decoder) throws {
            let container: Object
            do { container = try decoder.container(keyedBy: StructureJSON.Key.self) } catch {
                let found = StructureJSON.kind(of: try decoder.singleValueContainer())
                throw StructureProblem.headerNotObject(found: found)
            }
            for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                if key.stringValue == "__metadata__" {
                    do { metadata = try container.decodeIfPresent([String: String].self, forKey: key) } catch {
                        throw StructureProblem.metadataNotStrings
                    }
                } else {
                    tensors.append(try Self.tensor(key, in: container))
                }
            }
        }

        private static func tensor(_ key: StructureJSON.Key, in container: Object) throws -> RawTensor {
            let name = key.stringValue
            let fields: Object
            do { fields = try container.nestedContainer(keyedBy: StructureJSON.Key.self, forKey: key) } catch {
                throw StructureProblem.tensorNotObject(tensor: name)
            }
            func field<Value: Decodable>(_ field: String, _ type: Value.Type, expected: String) throws -> Value {
                let fieldKey = StructureJSON.Key(field)
                guard fields.contains(fieldKey) else {
                    throw StructureProblem.tensorFieldMissing(tensor: name, field: field)
                }
                do { return try fields.decode(type, forKey: fieldKey) } catch {
                    throw StructureProblem.tensorFieldInvalid(tensor: name, field: field, expected: expected)
                }
            }
            let dtypeName = try field("dtype", String.self, expected: "a string such as \"F32\"")
            guard let dtype = Dtype(rawValue: dtypeName) else {
                throw StructureProblem.unknownDtype(tensor: name, dtype: dtypeName)
            }
            let shape = try field("shape", [UInt64].self, expected: "a list of whole numbers ≥ 0")
            let offsets = try field("data_offsets", [UInt64].self, expected: "[begin, end], whole numbers ≥ 0")
            guard offsets.count == 2 else {
                throw StructureProblem.tensorFieldInvalid(
                    tensor: name, field: "data_offsets", expected: "[begin, end], whole numbers ≥ 0")
            }
            return RawTensor(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
    }

    private static func decode(_ json: Data) throws(StructureProblem) -> RawHeader {
        // serde_json, behind the reference parser, refuses a byte-order mark; JSONDecoder skips it.
        guard !json.starts(with: [0xEF, 0xBB, 0xBF]) else {
            throw .headerNotJSON(detail: "it starts with a byte-order mark")
        }
        do {
            return try JSONDecoder().decode(RawHeader.self, from: json)
        } catch let problem as StructureProblem {
            throw problem
        } catch {
            throw .headerNotJSON(detail: StructureJSON.syntaxDetail(json))
        }
    }
}

/// JSON helpers shared by the structural checks.
enum StructureJSON {
    /// Any key of a JSON object.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// What a JSON value is, in words for a problem's description.
    static func kind(of value: any SingleValueDecodingContainer) -> String {
        if value.decodeNil() { return "null" }
        if (try? value.decode(Bool.self)) != nil { return "a boolean" }
        if (try? value.decode(Double.self)) != nil { return "a number" }
        if (try? value.decode(String.self)) != nil { return "a string" }
        return "an array"
    }

    /// Where text stops being JSON. JSONDecoder only says "not valid JSON";
    /// JSONSerialization says where. Called on the failure path only.
    static func syntaxDetail(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }
}
