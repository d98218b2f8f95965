import CModeldLinux
import Dispatch
import Glibc
import Synchronization

/// How much of the machine a thread of modeld asks for. The threads that answer requests
/// (the event loops, Swift's pool) run as the process was started; bulk work runs below
/// them, so that a download or a verification busy on every core still leaves `status`,
/// `acquire` and the generation services on the machine a core when they wake.
public enum ThreadPriority: Sendable {
    /// As the process was started (systemd's `Nice=` applies).
    case normal
    /// Ten nice steps below the process, at most 19: a download's transfer, its hashing
    /// and syncs, verifications. On two cores busy with a pull, `status` p99 was 2.5× its
    /// idle p99 at the same priority and under 2× with this (Benchmarks/RESULTS.md).
    case bulk
    /// The idle I/O class (the disk only when nobody else wants it) and nice 19: the deep
    /// scrub, which must never slow a generation.
    case background

    /// Nice steps `bulk` work runs below the process.
    static let bulkSteps: Int32 = 10

    /// Applies this priority to the calling thread.
    public func applyToCurrentThread() throws(SystemError) {
        let thread = modeld_gettid()
        switch self {
        case .normal:
            return
        case .bulk:
            try Self.setNice(min(19, try Self.nice(of: thread) + Self.bulkSteps), of: thread)
        case .background:
            try syscall("ioprio_set(IOPRIO_CLASS_IDLE)") {
                modeld_ioprio_set_thread(thread, Int32(MODELD_IOPRIO_CLASS_IDLE), 0)
            }
            try Self.setNice(19, of: thread)
        }
    }

    /// A thread's nice value. getpriority returns -1 for nice -1 too: errno tells them apart.
    private static func nice(of thread: Int32) throws(SystemError) -> Int32 {
        errno = 0
        // PRIO_PROCESS with a thread id reads that thread's nice value on Linux.
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread))
        if value == -1 && errno != 0 { throw SystemError("getpriority(\(thread))", errno: errno) }
        return value
    }

    private static func setNice(_ value: Int32, of thread: Int32) throws(SystemError) {
        try syscall("setpriority(\(thread), \(value))") {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread), value)
        }
    }
}

/// Threads of modeld's own that report, as they start, whether they run at their
/// priority; whoever started them waits for the reports and learns the first problem.
final class ThreadStartReports: Sendable {
    private let reports = DispatchSemaphore(value: 0)
    private let firstProblem = Mutex<SystemError?>(nil)

    /// The first problem reported so far, or nil.
    var problem: SystemError? { firstProblem.withLock { $0 } }

    /// On the new thread, before any work: applies `priority` and reports how it went.
    func apply(_ priority: ThreadPriority) {
        do {
            try priority.applyToCurrentThread()
        } catch {
            firstProblem.withLock { $0 = $0 ?? error }
        }
        reports.signal()
    }

    /// Waits for `count` reports; the first problem, or nil.
    @discardableResult
    func wait(for count: Int) -> SystemError? {
        for _ in 0..<count { reports.wait() }
        return problem
    }
}
