/// Real `.safetensors` bytes for tests: the 8-byte little-endian header length, the JSON
/// header, then each tensor's data (a reproducible pattern), contiguous from offset 0.
public enum SafetensorsBytes {
    /// One F32 tensor per entry, `count` elements each; `seed` varies the data.
    public static func make(_ tensors: [(name: String, count: Int)], seed: UInt64 = 1) -> [UInt8] {
        var offset = 0
        var entries: [String] = []
        for tensor in tensors {
            let size = tensor.count * 4
            entries.append(#""\#(tensor.name)":{"dtype":"F32","shape":[\#(tensor.count)],"data_offsets":[\#(offset),\#(offset + size)]}"#)
            offset += size
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        // Padded to 8 bytes with spaces, as the reference writer does.
        while header.count % 8 != 0 { header.append(0x20) }
        var length = UInt64(header.count).littleEndian
        var bytes = withUnsafeBytes(of: &length) { Array($0) }
        bytes += header
        bytes += TestFile.pattern(size: offset, seed: seed)
        return bytes
    }
}
