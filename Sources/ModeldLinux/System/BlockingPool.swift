import Foundation
import Glibc
import Synchronization

/// A fixed set of OS threads that run blocking work — `pread` + SHA over gigabytes, a
/// manifest request waiting on the network — so that it never occupies a thread of
/// Swift's cooperative pool, where it would stall every actor and the control socket.
/// The daemon keeps one per kind of work (hashing, hub requests, the background scrub),
/// so one kind never queues behind another.
///
/// One thread per core by default: hashing is CPU-bound, more threads only add
/// switching, and fewer leave cores idle during a re-verification, which splits one file
/// across all of them. Jobs run in FIFO order; the queue is unbounded because its
/// producers are bounded (a verification queues at most one job per thread, and the
/// Keeper limits how many verifications it runs at once).
///
/// Threads start in `init` and live until `shutdown()` (or the pool's release): jobs
/// already queued then still run, so every waiting caller gets an answer; new work is
/// refused with ``HashingError/poolShutDown``.
public final class BlockingPool: Sendable {
    /// What the threads are called, less their number.
    public let name: String
    private let priority: ThreadPriority
    private let shared: Shared
    private let started = ThreadStartReports()

    /// Starts `threadCount` threads named `<name>-<n>` (what `top -H` and `ps -L` show;
    /// cut to the 15 bytes Linux keeps), each at `priority` before it takes any work;
    /// returns once they all are.
    public init(
        threadCount: Int = ProcessInfo.processInfo.activeProcessorCount, name: String = "modeld-hash",
        priority: ThreadPriority = .normal
    ) throws(HashingError) {
        guard threadCount > 0 else { throw .invalidArgument(reason: "thread count \(threadCount) is not positive") }
        self.name = name
        self.priority = priority
        shared = Shared()
        do {
            try grow(to: threadCount)
        } catch {
            // The threads already started would wait forever: end them.
            shutdown()
            throw error
        }
    }

    public var threadCount: Int { shared.threadCount }

    /// Why the threads do not run at the priority asked for (a container may forbid it),
    /// or nil. Not fatal: the work is done all the same, and the caller says so.
    public var priorityProblem: SystemError? { started.problem }

    /// Starts threads until there are `count` (a reload asked for more files at once);
    /// never ends any. Does nothing once the pool is shut down.
    public func grow(to count: Int) throws(HashingError) {
        guard let added = shared.addThreads(upTo: count) else { return }
        for index in added {
            do {
                try Self.startThread(ThreadStart(name: "\(name)-\(index)", priority: priority, started: started, shared: shared))
            } catch {
                shared.removeThreads(added.upperBound - index)
                started.wait(for: index - added.lowerBound)
                throw .poolStartFailed(cause: error)
            }
        }
        started.wait(for: added.count)
    }

    deinit { shutdown() }

    /// Runs `work` on a pool thread and suspends (without blocking) until it returns.
    /// Throws what `work` throws, or ``HashingError/poolShutDown``.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await result(of: work).get()
    }

    /// `run` with typed errors: the pool's own failure is thrown, the work's outcome is
    /// returned, so callers with a typed error keep it (`try await pool.result(of: f).get()`).
    public func result<T: Sendable, Failure: Error>(of work: @escaping @Sendable () throws(Failure) -> T)
        async throws(HashingError) -> Result<T, Failure>
    {
        let outcome: Result<T, Failure>? = await withCheckedContinuation { continuation in
            let accepted = shared.enqueue {
                continuation.resume(returning: Result(catching: work))
            }
            if !accepted { continuation.resume(returning: nil) }
        }
        guard let outcome else { throw .poolShutDown }
        return outcome
    }

    /// `result(of:)` for the store's system calls: one typed error, and a pool already shut
    /// down (the daemon is stopping) reads as ECANCELED.
    public func outcome<T: Sendable>(of work: @escaping @Sendable () throws(SystemError) -> T) async -> Result<T, SystemError> {
        do {
            return try await result(of: work)
        } catch {
            return .failure(SystemError("the daemon is stopping", errno: ECANCELED))
        }
    }

    /// Queues `job` without waiting for it: for a helper whose result travels another way
    /// (the chunk hasher of a first verification).
    func submit(_ job: @escaping @Sendable () -> Void) throws(HashingError) {
        guard shared.enqueue(job) else { throw .poolShutDown }
    }

    /// Refuses new work and lets the threads end once the queue is empty. Does not wait
    /// for them (a running job may take seconds; cancel its task to stop it sooner).
    /// Calling it again does nothing.
    public func shutdown() {
        shared.close()
    }

    private static func startThread(_ thread: ThreadStart) throws(SystemError) {
        let name = thread.name
        let start = Unmanaged.passRetained(thread)
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            // `argument` is the retained ThreadStart passed below; this thread owns it now.
            guard let argument else { return nil }
            Unmanaged<ThreadStart>.fromOpaque(argument).takeRetainedValue().main()
            return nil
        }, start.toOpaque())
        // pthread_create returns the error number instead of setting errno.
        guard result == 0 else {
            start.release()
            throw SystemError("pthread_create(\(name))", errno: result)
        }
        // Nobody joins: `shutdown()` must not block, and a thread ends on its own.
        let detached = pthread_detach(thread)
        if detached != 0 { throw SystemError("pthread_detach(\(name))", errno: detached) }
    }
}

extension BlockingPool {
    typealias Job = @Sendable () -> Void

    /// What the threads share with the pool. The threads hold this, not the pool, so
    /// dropping the last reference to the pool shuts it down.
    ///
    /// One semaphore count per queued job, plus one per thread at shutdown: a thread
    /// woken with an empty queue after shutdown exits, and every job queued before the
    /// shutdown is still taken by some wake-up, because wake-ups never outnumber jobs
    /// until then.
    final class Shared: Sendable {
        private let state = Mutex(State())
        private let wakeups = DispatchSemaphore(value: 0)

        struct State: ~Copyable {
            var jobs: [Job?] = []
            var head = 0
            var closed = false
            /// Threads started (or being started) that have not been told to end.
            var threads = 0
        }

        var threadCount: Int { state.withLock { $0.threads } }

        /// Counts the threads that take the pool to `count`, and returns their numbers:
        /// nil when shut down, an empty range when there are enough.
        func addThreads(upTo count: Int) -> Range<Int>? {
            state.withLock { state in
                guard !state.closed else { return nil }
                defer { state.threads = max(state.threads, count) }
                return state.threads..<max(state.threads, count)
            }
        }

        /// Threads counted by `addThreads` that could not be started.
        func removeThreads(_ count: Int) {
            state.withLock { $0.threads -= count }
        }

        /// False when the pool is shut down.
        func enqueue(_ job: @escaping Job) -> Bool {
            let accepted = state.withLock { state in
                guard !state.closed else { return false }
                state.jobs.append(job)
                return true
            }
            if accepted { wakeups.signal() }
            return accepted
        }

        /// Wakes every thread: each one woken with an empty queue ends.
        func close() {
            let threads: Int? = state.withLock { state in
                defer { state.closed = true }
                return state.closed ? nil : state.threads
            }
            guard let threads else { return }
            for _ in 0..<threads { wakeups.signal() }
        }

        /// The next job, or nil when the pool is shut down and drained.
        func next() -> Job? {
            while true {
                wakeups.wait()
                let (job, exit): (Job?, Bool) = state.withLock { state in
                    guard state.head < state.jobs.count else { return (nil, state.closed) }
                    let job = state.jobs[state.head]
                    state.jobs[state.head] = nil
                    state.head += 1
                    // Compact once the consumed prefix dominates, so the array stays small.
                    if state.head >= 64, state.head * 2 >= state.jobs.count {
                        state.jobs.removeFirst(state.head)
                        state.head = 0
                    }
                    return (job, false)
                }
                if let job { return job }
                if exit { return nil }
            }
        }
    }

    /// What a new thread needs; passed through `pthread_create`'s `void *`.
    final class ThreadStart: Sendable {
        let name: String
        let priority: ThreadPriority
        let started: ThreadStartReports
        let shared: Shared

        init(name: String, priority: ThreadPriority, started: ThreadStartReports, shared: Shared) {
            self.name = name
            self.priority = priority
            self.started = started
            self.shared = shared
        }

        func main() {
            // Names the thread in top -H and ps -L. Foundation calls pthread_setname_np,
            // which refuses names over 15 bytes, hence the cut; the name is cosmetic, so
            // there is no failure to handle.
            Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
            started.apply(priority)
            while let job = shared.next() { job() }
        }
    }
}
