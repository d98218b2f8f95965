import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check this install as a deployment pipeline would, each line ok, warn or fail with the fix.",
        discussion: """
            modelctl checks the daemon answers, its protocol, the socket's permissions and the \
            systemd units ($SYSTEMD_UNIT_PATH, else systemd's own folders); the daemon checks its \
            config files, store (writable, filesystem, free space), inotify limit, hub, token, \
            nvidia-smi, and what you may run. Exit status 0 when nothing failed (warnings allowed), 1 otherwise.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    /// The daemon asks the hub once per catalog model, each with a 5 s limit.
    static let answerTimeout: Duration = .seconds(120)

    func run() throws {
        let result = DoctorResult(checks: daemonChecks() + [UnitFiles.check(ProcessInfo.processInfo.environment)])
        if options.json {
            Output.json(try WireCodec.decoder.decode(JSONValue.self, from: WireCodec.encoder.encode(result)))
        } else {
            Output.line(DoctorText.describe(result))
        }
        if result.status == .fail { throw ExitCode(ExitStatus.daemonError) }
    }

    /// What the daemon says, with the checks of the connection to it first.
    private func daemonChecks() -> [DoctorCheck] {
        let path = options.socketPath
        let client: ControlClient
        do {
            client = try ControlClient(path: path, timeout: Self.answerTimeout)
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            return [DoctorJudge.unreachable(socket: path, socketExists: exists, error: "\(error)")] + (exists ? [SocketFile.check(path)] : [])
        }
        var checks: [DoctorCheck] = []
        do {
            let version = try client.request("version").decode(VersionResult.self)
            checks.append(DoctorJudge.reachable(socket: path, version: version.version, pid: version.pid))
            checks.append(DoctorJudge.protocolVersion(
                daemon: version.protocol, client: ProtocolVersion.wire, daemonRelease: version.version, clientRelease: ProtocolVersion.release))
            checks.append(SocketFile.check(path))
            let answer = try client.request("doctor")
            if let error = answer.error {
                checks.append(DoctorCheck(
                    "doctor", .fail, "the daemon did not run its checks: \(error.message) (\(error.code.rawValue))",
                    fix: error.hint ?? "upgrade modeld to the release of this modelctl (\(ProtocolVersion.release))"))
            } else {
                checks += try answer.decode(DoctorResult.self).checks
            }
        } catch {
            checks.append(DoctorCheck("daemon", .fail, "modeld stopped answering on \(path): \(error)", fix: "journalctl -u modeld says why"))
        }
        return checks
    }
}
