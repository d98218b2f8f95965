import ArgumentParser
import ModeldProtocol

struct Release: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End a lease that `acquire` gave, saying how the job went.",
        discussion: "A lease also ends when the connection that acquired it closes.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "The lease, as acquire returned it.")
    var lease: String

    @Flag(inversion: .prefixedNo, help: "Whether the job succeeded.")
    var success: Bool?

    @Option(help: "How long the job took, in seconds (default: how long the lease was held).")
    var duration: Double?

    func run() throws {
        var arguments: [String: JSONValue] = ["lease": .string(lease)]
        if let success { arguments["success"] = .bool(success) }
        if let duration { arguments["duration_s"] = .number(duration) }
        try options.run("release", arguments, as: ReleaseResult.self) { result in
            Output.line("\(result.model): lease ended after \(Int(result.heldSeconds.rounded())) s")
        }
    }
}
