import Glibc
import ModeldCore

/// Memory as the kernel counts it (`/proc/meminfo`).
public enum MemoryProbe {
    public static func read(from path: String = "/proc/meminfo") throws(SystemError) -> MemoryReading {
        let fd = try syscall("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        // procfs reports size 0: read until the end rather than by the file's size.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try syscall("read(\(path))") { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard let reading = MemoryReading.parse(procMeminfo: String(decoding: bytes, as: UTF8.self)) else {
            throw SystemError("parse(\(path)): MemTotal or MemAvailable is missing", errno: EINVAL)
        }
        return reading
    }
}
