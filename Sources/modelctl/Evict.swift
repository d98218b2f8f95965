import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Evict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a model's files (blobs no other model shares) to free space. Admin.",
        discussion: """
            Keeps what is needed to download it again (`modelctl pull`). Refused while a \
            generation service holds a lease on it or a download for it is queued. On a \
            terminal it asks first; --yes skips the question.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        if !yes, isatty(STDIN_FILENO) == 1, !Self.confirm("Delete the files of \(model)? They can be downloaded again. [y/N] ") {
            Output.error("modelctl: nothing deleted")
            throw ExitCode(ExitStatus.daemonError)
        }
        try options.run("evict", ["model": .string(model)], as: EvictResult.self) { result in
            let shared = result.sharedKept.isEmpty ? "" : "; \(result.sharedKept.count) files kept, another model uses them"
            Output.line("\(result.model): \(result.removedFiles) files deleted, \(ByteSize.format(result.freedBytes)) freed\(shared)")
        }
    }

    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data(question.utf8))
        return ["y", "yes"].contains(readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "")
    }
}
