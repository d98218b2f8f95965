/// Hex strings that may become file names (commits, digests): ASCII only, so no
/// look-alike digit from another script passes.
public enum Hex {
    public static func isHex(_ text: some StringProtocol, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
    }

    /// A 40-hex git commit id.
    public static func isCommit(_ text: some StringProtocol) -> Bool { isHex(text, count: 40) }
}
