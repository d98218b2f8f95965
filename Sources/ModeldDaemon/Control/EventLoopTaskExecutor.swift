import NIOCore

/// Runs a task's jobs on one NIO event loop: a connection's task then reads, answers and
/// writes on the thread that serves its socket, instead of hopping to the shared pool
/// and back for every request. Each hop is a thread wake-up, and on a machine whose cores
/// a download keeps busy a wake-up waits for a core (issue 13: `status` during a pull).
/// Only for work that never blocks: a blocking call here would stall every connection on
/// the loop, so blocking work stays on the `BlockingPool`s.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
