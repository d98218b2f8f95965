import CModeldLinux
import Dispatch
import Glibc
import Testing

@testable import ModeldLinux

/// Bulk pools run below the process and the scrub at the bottom, whatever nice value the
/// process was started with; a pool reports whether its threads got there.
@Suite struct ThreadPriorityTests {
    /// The calling thread's nice value.
    static func niceOfThisThread() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(modeld_gettid()))
    }

    static func processNice() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
    }

    @Test func bulkThreadsRunTenStepsBelowTheProcessAndNormalOnesAsIt() async throws {
        let bulk = try BlockingPool(threadCount: 2, name: "test-bulk", priority: .bulk)
        let normal = try BlockingPool(threadCount: 1, name: "test-normal")
        defer {
            bulk.shutdown()
            normal.shutdown()
        }
        #expect(bulk.priorityProblem == nil)
        let process = Self.processNice()
        // Both threads: each job holds its thread until the other one has started.
        let meeting = DispatchGroup()
        meeting.enter()
        meeting.enter()
        let job: @Sendable () -> Int32 = {
            meeting.leave()
            meeting.wait()
            return Self.niceOfThisThread()
        }
        async let first = bulk.run(job)
        async let second = bulk.run(job)
        #expect(try await [first, second] == [min(19, process + 10), min(19, process + 10)])
        #expect(try await normal.run { Self.niceOfThisThread() } == process)
    }

    @Test func theBackgroundThreadRunsAtTheLowestPriority() async throws {
        let pool = try BlockingPool(threadCount: 1, name: "test-scrub", priority: .background)
        defer { pool.shutdown() }
        #expect(pool.priorityProblem == nil)
        #expect(try await pool.run { Self.niceOfThisThread() } == 19)
    }
}
