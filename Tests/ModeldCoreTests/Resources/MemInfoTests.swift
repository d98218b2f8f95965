import Foundation
import ModeldCore
import Testing

/// A build machine (kernel 6.x, 24 GiB, no swap), abridged.
private let noSwap = """
    MemTotal:       24684084 kB
    MemFree:        19649544 kB
    MemAvailable:   23529424 kB
    Buffers:           69848 kB
    Cached:          3574316 kB
    SwapCached:            0 kB
    SwapTotal:             0 kB
    SwapFree:              0 kB
    Zswap:                 0 kB
    VmallocTotal:   34359738367 kB
    HugePages_Total:       0
    HugePages_Free:        0
    Hugepagesize:       2048 kB
    DirectMap1G:    25165824 kB

    """

/// A 2 TiB GPU server with swap, most memory in page cache: available is far above free.
private let withSwap = """
    MemTotal:       2113470516 kB
    MemFree:        40213388 kB
    MemAvailable:   1876349012 kB
    Buffers:         1530028 kB
    Cached:         1801143260 kB
    SwapCached:        10244 kB
    Active:         912440132 kB
    SwapTotal:       8388604 kB
    SwapFree:        8125948 kB
    HugePages_Total:       0
    Hugepagesize:       2048 kB
    """

/// A kernel before 3.14 (here 2.6.32): no MemAvailable line.
private let oldKernel = """
    MemTotal:        8061404 kB
    MemFree:          345600 kB
    Buffers:          161232 kB
    Cached:          5601244 kB
    SwapCached:            0 kB
    SwapTotal:       2097148 kB
    SwapFree:        2097148 kB
    """

@Suite struct MemInfoTests {
    @Test func aMachineWithoutSwapHasZeroSwap() {
        #expect(MemoryReading.parse(procMeminfo: noSwap) == MemoryReading(
            totalBytes: 24_684_084 * 1024, availableBytes: 23_529_424 * 1024, swapTotalBytes: 0, swapFreeBytes: 0))
    }

    @Test func largeValuesAndSwapAreRead() {
        #expect(MemoryReading.parse(procMeminfo: withSwap) == MemoryReading(
            totalBytes: 2_113_470_516 * 1024, availableBytes: 1_876_349_012 * 1024,
            swapTotalBytes: 8_388_604 * 1024, swapFreeBytes: 8_125_948 * 1024))
    }

    @Test func withoutMemAvailableThereIsNoReading() {
        #expect(MemoryReading.parse(procMeminfo: oldKernel) == nil)
    }

    @Test(arguments: [
        "", "garbage\n\u{0}\u{1}", "MemAvailable:   23529424 kB\n", "MemTotal: lots kB\nMemAvailable: 1 kB\n",
        "MemTotal: -5 kB\nMemAvailable: 1 kB\n", "MemTotal: 90071992547409920 kB\nMemAvailable: 1 kB\n",
    ])
    func missingOrBrokenLinesGiveNoReading(_ text: String) {
        #expect(MemoryReading.parse(procMeminfo: text) == nil)
    }

    @Test func swapLinesAreOptional() {
        let reading = MemoryReading.parse(procMeminfo: "MemTotal: 1000 kB\nMemAvailable: 500 kB\n")
        #expect(reading == MemoryReading(totalBytes: 1_024_000, availableBytes: 512_000))
    }

    @Test func thisMachinesMeminfoIsRead() throws {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let reading = try #require(MemoryReading.parse(procMeminfo: text))
        #expect(reading.totalBytes > reading.availableBytes)
        #expect(reading.availableBytes > 0)
    }
}
