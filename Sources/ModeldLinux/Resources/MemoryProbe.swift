import Glibc
import ModeldCore

/// Memory as the kernel counts it (`/proc/meminfo`).
public enum MemoryProbe {
    public static func read(from path: String = "/proc/meminfo") throws(SystemError) -> MemoryReading {
        guard let reading = MemoryReading.parse(procMeminfo: try ProcFile.read(path)) else {
            throw SystemError("parse(\(path)): MemTotal or MemAvailable is missing", errno: EINVAL)
        }
        return reading
    }
}
