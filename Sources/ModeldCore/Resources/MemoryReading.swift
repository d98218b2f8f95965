/// The machine's memory, from `/proc/meminfo`.
public struct MemoryReading: Sendable, Equatable, Codable {
    public var totalBytes: Int64
    /// `MemAvailable`: the kernel's estimate of what can be allocated without swapping,
    /// page cache included. `MemFree` would call a machine with a full cache "out of memory".
    public var availableBytes: Int64
    /// nil when the kernel printed no swap lines; 0 when there is no swap.
    public var swapTotalBytes: Int64?
    public var swapFreeBytes: Int64?

    public init(totalBytes: Int64, availableBytes: Int64, swapTotalBytes: Int64? = nil, swapFreeBytes: Int64? = nil) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
    }

    /// Reads `MemTotal`, `MemAvailable`, `SwapTotal` and `SwapFree` (lines of the form
    /// `MemTotal:       24684084 kB`, where kB means KiB).
    ///
    /// nil without `MemTotal` or `MemAvailable`. `MemAvailable` is missing only on kernels
    /// before 3.14 (2014); guessing it from `MemFree + Cached` is the miscount the kernel
    /// added it to end, and a wrong figure would mislead every decision made on it.
    public static func parse(procMeminfo text: String) -> MemoryReading? {
        var values: [Substring: Int64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let words = line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace)
            guard let number = words.first.flatMap({ Int64($0) }), number >= 0 else { continue }
            let factor: Int64 = words.dropFirst().first == "kB" ? 1024 : 1
            let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
            if !overflow { values[line[..<colon]] = bytes }
        }
        guard let total = values["MemTotal"], let available = values["MemAvailable"] else { return nil }
        return MemoryReading(
            totalBytes: total, availableBytes: available,
            swapTotalBytes: values["SwapTotal"], swapFreeBytes: values["SwapFree"])
    }

    /// The wire names (PROTOCOL.md `resources`).
    enum CodingKeys: String, CodingKey {
        case totalBytes = "total_bytes", availableBytes = "available_bytes", swapTotalBytes = "swap_total_bytes"
        case swapFreeBytes = "swap_free_bytes"
    }
}
