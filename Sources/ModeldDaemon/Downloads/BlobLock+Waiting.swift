import ModeldLinux

extension BlobLock {
    /// Why a wait for the lock ended without it.
    enum WaitFailure: Error {
        case failed(SystemError)
        case cancelled
    }

    /// huggingface_hub's lock on a blob, waited for while another program (`hf`,
    /// `diffusers`) or another of modeld's own jobs holds it; `held` is told once, when
    /// the wait begins. flock has no way to say when it is let go, so it is tried again
    /// every quarter second, as filelock itself does.
    static func waitFor(_ path: String, on pool: BlockingPool, held: @Sendable () async -> Void) async throws(WaitFailure) -> BlobLock {
        var told = false
        while true {
            switch await pool.outcome(of: { () throws(SystemError) in try BlobLock.tryAcquire(path) }) {
            case .success(let lock?):
                return lock
            case .success(nil):
                if !told {
                    await held()
                    told = true
                }
            case .failure(let error):
                throw .failed(error)
            }
            do {
                try await Task.sleep(for: .milliseconds(250))
            } catch {
                throw .cancelled
            }
        }
    }
}
