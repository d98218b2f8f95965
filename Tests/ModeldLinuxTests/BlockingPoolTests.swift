import Dispatch
import Testing

@testable import ModeldLinux

/// A pool grows when asked (a reload raised `concurrent_files`), its new threads at the
/// pool's priority, and never after it was shut down.
@Suite struct BlockingPoolTests {
    /// Runs `count` jobs that each hold their thread until all have started: it returns
    /// only if the pool runs `count` jobs at once. Each job reports its thread's nice value.
    static func runTogether(_ count: Int, on pool: BlockingPool) async throws -> [Int32] {
        let meeting = DispatchGroup()
        for _ in 0..<count { meeting.enter() }
        return try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await pool.run {
                        meeting.leave()
                        meeting.wait()
                        return ThreadPriorityTests.niceOfThisThread()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func aGrownPoolRunsMoreJobsAtOnceAtItsPriority() async throws {
        let pool = try BlockingPool(threadCount: 1, name: "test-grow", priority: .bulk)
        defer { pool.shutdown() }
        try pool.grow(to: 3)
        #expect(pool.threadCount == 3)
        let bulk = min(19, ThreadPriorityTests.processNice() + 10)
        #expect(try await Self.runTogether(3, on: pool) == [bulk, bulk, bulk])
        try pool.grow(to: 2)
        #expect(pool.threadCount == 3)
    }

    @Test func aShutDownPoolDoesNotGrow() throws {
        let pool = try BlockingPool(threadCount: 1, name: "test-shut")
        pool.shutdown()
        try pool.grow(to: 4)
        #expect(pool.threadCount == 1)
    }
}
