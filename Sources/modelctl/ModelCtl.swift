import ArgumentParser
import Foundation
import ModeldProtocol

/// `modelctl`: the client of modeld's control socket.
@main
struct ModelCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelctl",
        abstract: "Ask modeld which models are ready, and tell it what to do.",
        discussion: """
            Exit status: 0 success, 1 the daemon answered with an error, 2 usage error,
            69 the daemon cannot be reached.
            """,
        version: ProtocolVersion.release,
        subcommands: [
            Status.self, Pull.self, Pause.self, Resume.self, Cancel.self, PriorityCommand.self, Limit.self, Verify.self,
            Repair.self, Acquire.self, Release.self, Suggest.self, Resources.self, Usage.self, Health.self, Keep.self,
            Unkeep.self, Evict.self, Cleanup.self, Update.self, Rollback.self, History.self, Watch.self, Version.self,
            Metrics.self, Reload.self, Backup.self, Adopt.self, Doctor.self,
        ])

    /// `modelctl --socket PATH --json status` as CONFIG.md writes it; the subcommands
    /// take the same options after their name too.
    @OptionGroup var options: ClientOptions

    /// CONFIG.md's exit statuses; ArgumentParser's own usage status (64) becomes 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// CONFIG.md's exit statuses.
enum ExitStatus {
    static let daemonError: Int32 = 1
    static let usage: Int32 = 2
    /// sysexits.h EX_UNAVAILABLE.
    static let unreachable: Int32 = 69
}

/// The options every subcommand takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "The control socket (default: $MODELD_SOCKET, else /run/modeld/modeld.sock).")
    var socket: String?

    @Flag(help: "Print the daemon's result as JSON, unchanged.")
    var json = false

    static let defaultSocket = "/run/modeld/modeld.sock"

    /// These options, filled in from the ones given before the subcommand.
    func merged(over global: ClientOptions) -> ClientOptions {
        var merged = self
        merged.socket = socket ?? global.socket
        merged.json = json || global.json
        return merged
    }

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["MODELD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSocket
    }

    /// A connection, or exit 69 with what to do about it.
    func connect() throws -> ControlClient {
        do {
            return try ControlClient(path: socketPath)
        } catch {
            Output.error("""
                modelctl: \(error)
                hint: is modeld running? Start it with `sudo systemctl start modeld` (or `make run` in its source tree), \
                or point modelctl at its socket with --socket PATH or MODELD_SOCKET=PATH.
                """)
            throw ExitCode(ExitStatus.unreachable)
        }
    }

    /// Sends one command on a new connection: the connection (for what follows, as after
    /// `subscribe`) and the response, or exit 1 with the daemon's message and hint.
    func call(_ command: String, _ arguments: [String: JSONValue] = [:]) throws -> (ControlClient, Response) {
        let client = try connect()
        let response = try reading { () throws(ControlClientError) in try client.request(command, arguments) }
        if let error = response.error {
            Output.error("modelctl: \(error.message) (\(error.code.rawValue))" + (error.hint.map { "\nhint: \($0)" } ?? ""))
            throw ExitCode(ExitStatus.daemonError)
        }
        return (client, response)
    }

    /// A read from the daemon; losing it mid-way exits 69 like not reaching it at all.
    func reading<T>(_ read: () throws(ControlClientError) -> T) throws -> T {
        do {
            return try read()
        } catch {
            Output.error("modelctl: \(error)")
            throw ExitCode(ExitStatus.unreachable)
        }
    }

    /// Runs `command`; prints its result as JSON with --json, else hands it to `human`.
    func run<R: Decodable>(_ command: String, _ arguments: [String: JSONValue] = [:], as type: R.Type, human: (R) -> Void) throws {
        let (_, response) = try call(command, arguments)
        if json {
            Output.json(response.result ?? .null)
        } else {
            human(try response.decode(R.self))
        }
    }
}
