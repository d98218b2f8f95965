import CModeldLinux
import Glibc

/// Makes the calling thread a background reader: idle I/O class (it gets the disk only
/// when nobody else wants it) and the lowest CPU priority. For the deep scrub, which must
/// never slow a generation.
public enum BackgroundPriority {
    public static func applyToCurrentThread() throws(SystemError) {
        let thread = modeld_gettid()
        try syscall("ioprio_set(IOPRIO_CLASS_IDLE)") {
            modeld_ioprio_set_thread(thread, Int32(MODELD_IOPRIO_CLASS_IDLE), 0)
        }
        // PRIO_PROCESS with a thread id sets that thread's nice value on Linux.
        try syscall("setpriority(\(thread), 19)") { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread), 19) }
    }
}
