/// Why a `.safetensors` file or a shard index is not structurally sound. Found by the
/// cheap structural check (a few header bytes and a `stat`), before any hashing: a file
/// that fails here is damaged or truncated whatever its digest says.
///
/// The cases are stable: callers and tests match on them. `description` is the sentence
/// a person reads in `modelctl status` or the journal.
public enum StructureProblem: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: The 8-byte header length

    /// Fewer than 8 bytes where the header length should be.
    case tooShortForHeaderLength(byteCount: Int)
    /// The header length is above the reference parser's limit.
    case headerTooLarge(headerLength: UInt64)
    /// The header would run past the end of the file.
    case headerBeyondFile(headerLength: UInt64, fileSize: Int64)
    /// Fewer header bytes were handed over than the header length says (a short read).
    case headerIncomplete(headerLength: UInt64, bytesRead: Int)

    // MARK: The JSON header

    case headerNotUTF8
    case headerNotJSON(detail: String?)
    /// Valid JSON, but not an object; `found` is "an array", "a string", …
    case headerNotObject(found: String)
    /// `__metadata__` is present but not an object of strings.
    case metadataNotStrings
    case tensorNotObject(tensor: String)
    case tensorFieldMissing(tensor: String, field: String)
    /// `expected` says what the field should have been, for people.
    case tensorFieldInvalid(tensor: String, field: String, expected: String)
    case unknownDtype(tensor: String, dtype: String)

    // MARK: The data layout (offsets are relative to the data, which starts after the header)

    /// The tensor starts after the previous one ended (or after 0 for the first).
    case dataGap(tensor: String, begin: UInt64, expectedBegin: UInt64)
    /// The tensor starts before the previous one ended.
    case dataOverlap(tensor: String, begin: UInt64, expectedBegin: UInt64)
    case offsetsReversed(tensor: String, begin: UInt64, end: UInt64)
    /// `data_offsets` span a different number of bytes than dtype × shape needs.
    case tensorSizeMismatch(
        tensor: String, dtype: SafetensorsHeader.Dtype, shape: [UInt64], expectedBytes: UInt64, actualBytes: UInt64)
    /// A sub-byte dtype (F4, F6) whose elements do not fill whole bytes.
    case tensorNotWholeBytes(tensor: String, dtype: SafetensorsHeader.Dtype, bits: UInt64)
    /// The shape or offsets describe more than 2^64 bits or bytes: no real file is like that.
    case tensorSizeOverflow(tensor: String)
    /// `8 + N + end of the last tensor` is not the file's size.
    case fileSizeMismatch(expected: UInt64, actual: Int64)

    // MARK: Shard indexes (`*.safetensors.index.json`)

    case indexNotJSON(detail: String?)
    /// JSON, but not the shape of an index; `reason` says what is off.
    case indexMalformed(reason: String)
    case indexMissingWeightMap
    /// A shard name that could leave the index's folder: the index is untrusted input.
    case unsafeShardName(shard: String, reason: String)
    /// The index names a shard that is not in its folder.
    case shardMissing(shard: String)
    /// A shard sits in the index's folder but the index does not name it.
    case shardNotInIndex(shard: String)
    /// A shard's header does not hold exactly the tensors the index maps to it.
    /// `missing`: mapped to it, not in its header; `unexpected`: in its header, not mapped to it.
    case shardTensorsDiffer(shard: String, missing: [String], unexpected: [String])

    public var description: String {
        switch self {
        case .tooShortForHeaderLength(let count):
            "the file is too short for a safetensors header: \(count) of the 8 bytes of its header length"
        case .headerTooLarge(let length):
            "the header length is \(length) bytes, above the limit of \(SafetensorsHeader.maxHeaderLength): "
                + "the first 8 bytes are damaged or this is not a safetensors file"
        case .headerBeyondFile(let length, let size):
            "truncated: the header alone needs \(UInt64(SafetensorsHeader.prefixLength) + length) bytes, "
                + "the file has \(size)"
        case .headerIncomplete(let length, let read):
            "truncated: only \(read) of the header's \(length) bytes could be read"
        case .headerNotUTF8:
            "the header is not UTF-8 text"
        case .headerNotJSON(let detail):
            "the header is not JSON" + Self.suffix(detail)
        case .headerNotObject(let found):
            "the header is \(found), not a JSON object"
        case .metadataNotStrings:
            "the header's __metadata__ is not an object of strings"
        case .tensorNotObject(let tensor):
            "tensor \(tensor.debugDescription) is not a JSON object"
        case .tensorFieldMissing(let tensor, let field):
            "tensor \(tensor.debugDescription) has no \(field)"
        case .tensorFieldInvalid(let tensor, let field, let expected):
            "tensor \(tensor.debugDescription): \(field) must be \(expected)"
        case .unknownDtype(let tensor, let dtype):
            "tensor \(tensor.debugDescription) has an unknown dtype \(dtype.debugDescription)"
        case .dataGap(let tensor, let begin, let expected):
            "tensor \(tensor.debugDescription) starts at byte \(begin) of the data, "
                + "leaving \(begin - expected) unused bytes after byte \(expected)"
        case .dataOverlap(let tensor, let begin, let expected):
            "tensor \(tensor.debugDescription) starts at byte \(begin) of the data, "
                + "overlapping \(expected - begin) bytes of the tensor that ends at byte \(expected)"
        case .offsetsReversed(let tensor, let begin, let end):
            "tensor \(tensor.debugDescription) ends (byte \(end)) before it begins (byte \(begin))"
        case .tensorSizeMismatch(let tensor, let dtype, let shape, let expected, let actual):
            "tensor \(tensor.debugDescription) is \(dtype.rawValue) \(shape), which takes \(expected) bytes, "
                + "but its data_offsets span \(actual)"
        case .tensorNotWholeBytes(let tensor, let dtype, let bits):
            "tensor \(tensor.debugDescription) is \(bits) bits of \(dtype.rawValue), not a whole number of bytes"
        case .tensorSizeOverflow(let tensor):
            "tensor \(tensor.debugDescription) describes more data than a 64-bit size can hold"
        case .fileSizeMismatch(let expected, let actual) where UInt64(clamping: actual) < expected:
            "truncated: the header says \(expected) bytes, the file has \(actual)"
        case .fileSizeMismatch(let expected, let actual):
            "too long: the header says \(expected) bytes, the file has \(actual)"
        case .indexNotJSON(let detail):
            "the shard index is not JSON" + Self.suffix(detail)
        case .indexMalformed(let reason):
            "the shard index is malformed: \(reason)"
        case .indexMissingWeightMap:
            "the shard index has no weight_map"
        case .unsafeShardName(let shard, let reason):
            "the shard index names a shard that could leave its folder (\(reason)): \(shard.debugDescription)"
        case .shardMissing(let shard):
            "the shard index names \(shard.debugDescription), which is not present"
        case .shardNotInIndex(let shard):
            "\(shard.debugDescription) is present but the shard index does not name it"
        case .shardTensorsDiffer(let shard, let missing, let unexpected):
            "shard \(shard.debugDescription) does not hold the tensors the index maps to it: "
                + [
                    missing.isEmpty ? nil : "\(Self.names(missing)) missing from its header",
                    unexpected.isEmpty ? nil : "\(Self.names(unexpected)) in its header but not mapped to it",
                ].compactMap { $0 }.joined(separator: "; ")
        }
    }

    private static func suffix(_ detail: String?) -> String {
        detail.map { " (\($0))" } ?? ""
    }

    /// A few names and a count: a shard can hold thousands of tensors, a message should not.
    private static func names(_ names: [String], shown: Int = 3) -> String {
        let listed = names.prefix(shown).map(\.debugDescription).joined(separator: ", ")
        let noun = names.count == 1 ? "tensor" : "tensors"
        let more = names.count > shown ? " and \(names.count - shown) more" : ""
        return "\(names.count) \(noun) (\(listed)\(more))"
    }
}
