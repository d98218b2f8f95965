import Foundation
import ModeldTestSupport
import Testing

/// Docs/man/*.1 (`make man`, ArgumentParser's generate-manual) still describe the commands:
/// every subcommand and option the built binaries show in their help has its entry.
@Suite(.timeLimit(.minutes(10))) struct ManPageTests {
    /// The part of ArgumentParser's `--experimental-dump-help` the pages are made from.
    struct Command: Decodable {
        struct Argument: Decodable {
            struct Name: Decodable {
                var kind: String
                var name: String
            }

            var names: [Name]?
            var shouldDisplay: Bool
        }

        var commandName: String
        var shouldDisplay: Bool
        var arguments: [Argument]?
        var subcommands: [Command]?

        /// What the page must hold for this command and the ones below it.
        var entries: Set<String> {
            let options = (arguments ?? []).filter(\.shouldDisplay).flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map { "Fl -\($0.name)" }
            let below = (subcommands ?? []).filter(\.shouldDisplay)
            return Set(options + below.map { ".It Em \($0.commandName)" }).union(below.flatMap(\.entries))
        }
    }

    struct Dump: Decodable {
        var command: Command
    }

    @Test(arguments: ["modeld", "modelctl"])
    func thePageHasAnEntryForEverySubcommandAndOption(tool: String) throws {
        let directory = try TemporaryDirectory()
        let dump = try ChildProcess.run(Binaries.directory + "/" + tool, ["--experimental-dump-help"], in: directory.path)
        #expect(dump.status == 0, "\(dump.error)")
        let command = try JSONDecoder().decode(Dump.self, from: Data(dump.output.utf8)).command
        let page = try String(contentsOfFile: InstallTests.project + "/Docs/man/\(tool).1", encoding: .utf8)
        let missing = command.entries.filter { !page.contains($0) }.sorted()
        #expect(missing.isEmpty, "Docs/man/\(tool).1 is behind \(tool): \(missing); run make man")
    }
}
