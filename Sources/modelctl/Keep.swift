import ArgumentParser
import ModeldProtocol

struct Keep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pin a model: cleanup never suggests or removes it. Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    func run() throws { try Self.pin(model, true, options) }

    static func pin(_ model: String, _ pinned: Bool, _ options: ClientOptions) throws {
        try options.run(pinned ? "keep" : "unkeep", ["model": .string(model)], as: KeepResult.self) { result in
            Output.line(result.pinned ? "\(result.model): pinned against cleanup" : "\(result.model): not pinned")
        }
    }
}

struct Unkeep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unpin a model pinned with `modelctl keep`. Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The model, as `modelctl status` names it.")
    var model: String

    func run() throws { try Keep.pin(model, false, options) }
}
