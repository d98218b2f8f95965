import ArgumentParser
import Foundation
import ModeldCore
import ModeldProtocol

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the ledger (pins, usage, revision history, downloads in progress) and the effective config into FILE. Admin.",
        discussion: """
            The daemon writes FILE, as its own user, while it runs (SQLite's online backup). \
            Blobs are not in it. Put it back with `modeld --restore FILE` while modeld is stopped.
            """)

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The backup file to write (relative to this shell's folder).")
    var file: String

    func run() throws {
        let path = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        try options.run("backup", ["path": .string(path)], as: BackupResult.self) { result in
            Output.line("\(result.path): \(ByteSize.format(result.bytes)), ledger schema \(result.schema.last ?? "?"), modeld \(result.version)")
        }
    }
}
