import Foundation
import ModeldCore
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Asks `nvidia-smi` about the GPUs and their processes. Whatever goes wrong — no
/// binary, no driver, an error text, a hang, a flood of output — the answer is "unknown,
/// because …", never a GPU with zero memory.
public struct GPUProbe: Sendable {
    /// A name looked up on `PATH`, or a path (`[gpu] nvidia_smi`).
    public var executable: String
    /// A wedged driver can keep nvidia-smi in the kernel for minutes.
    public var timeout: Duration
    /// Eight GPUs with many processes print a few KiB; more means something else answered.
    public static let outputLimit = 256 << 10

    public init(executable: String, timeout: Duration = .seconds(5)) {
        self.executable = executable
        self.timeout = timeout
    }

    public func read() async -> GPUState {
        let gpus = await run(NvidiaSMI.gpuQueryArguments)
        guard case .known(let readings) = gpus else { return gpus }
        // Processes are a detail: GPUs without them are still worth knowing.
        guard case .success(let apps) = await output(of: NvidiaSMI.appsQueryArguments),
            let processes = try? NvidiaSMI.parseProcesses(apps)
        else { return gpus }
        return .known(NvidiaSMI.merge(gpus: readings, processes: processes))
    }

    private func run(_ arguments: [String]) async -> GPUState {
        switch await output(of: arguments) {
        case .success(let text): NvidiaSMI.outcome(exitStatus: 0, output: text)
        case .failure(.exited(let status, let text)): NvidiaSMI.outcome(exitStatus: status, output: text)
        case .failure(let failure): .unknown(reason: failure.reason(executable: executable, timeout: timeout))
        }
    }

    private enum Failure: Error {
        case exited(Int32, String)
        case notFound
        case timedOut
        case stillStuck
        case tooMuchOutput
        case other(String)

        /// Why, in words; `.exited` is read by `NvidiaSMI.outcome` instead.
        func reason(executable: String, timeout: Duration) -> String {
            switch self {
            case .exited(let status, _): "\(executable) exited with status \(status)"
            case .notFound: "\(executable) was not found (is the NVIDIA driver installed? [gpu] nvidia_smi names the binary)"
            case .stillStuck: "an earlier \(executable) is still stuck after being killed (the driver may be wedged); not starting another"
            case .timedOut: "\(executable) did not answer within \(TimeSpan.describe(seconds: Int64(timeout.inSeconds.rounded(.up)))) (the driver may be wedged)"
            case .tooMuchOutput: "\(executable) printed more than \(GPUProbe.outputLimit >> 10) KiB"
            case .other(let what): "\(executable) could not be run: \(what)"
            }
        }
    }

    /// Runs that outlived their timeout: killed, but not reaped yet (a process stuck in
    /// the driver ignores SIGKILL). No new run starts while one lingers.
    private static let lingering = Mutex(0)

    /// Standard output of a successful run; a non-zero exit carries both outputs, since
    /// nvidia-smi prints its error texts on either. Returns at the timeout even when the
    /// killed child cannot be reaped: the run is left to finish on its own.
    private func output(of arguments: [String]) async -> Result<String, Failure> {
        guard Self.lingering.withLock({ $0 }) == 0 else { return .failure(.stillStuck) }
        return await withCheckedContinuation { continuation in
            let answer = Answer(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                return ()
            }
            let run = Task {
                let result = await launch(arguments)
                timer.cancel()
                answer.take()?.resume(returning: result)
            }
            Task {
                guard (try? await timer.value) != nil, let waiting = answer.take() else { return }
                Self.lingering.withLock { $0 += 1 }
                // Cancelling the launch kills the child's whole session (see `launch`).
                run.cancel()
                waiting.resume(returning: .failure(.timedOut))
                await run.value
                Self.lingering.withLock { $0 -= 1 }
            }
        }
    }

    /// The caller's continuation, resumed once: by the run or by the timeout.
    private final class Answer: Sendable {
        private let continuation: Mutex<CheckedContinuation<Result<String, Failure>, Never>?>
        init(_ continuation: CheckedContinuation<Result<String, Failure>, Never>) { self.continuation = Mutex(continuation) }
        func take() -> CheckedContinuation<Result<String, Failure>, Never>? { continuation.withLock { $0.take() } }
    }

    private func launch(_ arguments: [String]) async -> Result<String, Failure> {
        var options = PlatformOptions()
        // Its own session, so the kill on a timeout reaches a wrapper script's children too.
        options.createSession = true
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(200))]
        let name: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        do {
            let result = try await Subprocess.run(
                name, arguments: Arguments(arguments), platformOptions: options,
                output: .string(limit: Self.outputLimit), error: .string(limit: Self.outputLimit))
            let out = result.standardOutput
            switch result.terminationStatus {
            case .exited(0): return .success(out)
            case .exited(let code): return .failure(.exited(code, out + "\n" + result.standardError))
            case .signaled(let signal): return .failure(.other("killed by signal \(signal)"))
            }
        } catch let error as SubprocessError {
            if Task.isCancelled { return .failure(.timedOut) }
            switch error.code {
            case .executableNotFound: return .failure(.notFound)
            case .outputLimitExceeded: return .failure(.tooMuchOutput)
            default: return .failure(.other("\(error)"))
            }
        } catch {
            return .failure(.other("\(error)"))
        }
    }
}
