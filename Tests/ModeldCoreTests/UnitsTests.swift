import ModeldCore
import Testing

@Suite struct ByteSizeTests {
    @Test(arguments: [
        ("16MiB", Int64(16 << 20)), ("10GiB", 10 << 30), ("500MB", 500_000_000), ("4096", 4096),
        ("1.5GB", 1_500_000_000), ("0", 0), (" 2 KiB ", 2048), ("7B", 7),
    ])
    func parses(text: String, bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["", "MiB", "-1", "ten", "16 MiBs", "99999999999TiB", "1e400"])
    func rejects(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    @Test func formatsForPeople() {
        #expect(ByteSize.format(34_203_123_497) == "31.9 GiB")
        #expect(ByteSize.format(512) == "512 B")
        #expect(ByteSize.format(1 << 20) == "1 MiB")
    }
}

@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("30s", 30_000), ("5m", 300_000), ("12h", 43_200_000), ("7d", 604_800_000), ("2", 2000),
    ])
    func parses(text: String, milliseconds: Int64) {
        #expect(TimeSpan(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "s", "-5s", "5 fortnights", "soon"])
    func rejects(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test func writesTheLargestWholeUnit() {
        #expect(TimeSpan.seconds(60).description == "1m")
        #expect(TimeSpan(milliseconds: 1500).description == "1500ms")
        #expect(TimeSpan.seconds(7 * 86_400).description == "7d")
    }
}

@Suite struct FileModeTests {
    @Test func parsesOctal() {
        #expect(FileMode(octal: "0660")?.bits == 0o660)
        #expect(FileMode(octal: "600")?.bits == 0o600)
        #expect(FileMode(octal: "0660")?.description == "0660")
        #expect(FileMode(octal: "0999") == nil)
        #expect(FileMode(octal: "7777") == nil)
        #expect(FileMode(octal: "") == nil)
    }
}
