// modeld-demo-hub: the test hub (ModeldTestSupport) run as a program for `make demo`: it
// serves `DemoRepos` on 127.0.0.1 and prints `HF_ENDPOINT=…` for modeld, then serves
// until SIGTERM or SIGINT. Bodies are paced (`--bytes-per-second`, default 2 MB/s, per
// connection) so a pull lasts long enough to watch; `--latency-ms` delays every answer and
// `--bench-file-mib` adds a big file, to play a far CDN in a benchmark. Not part of the daemon.
import Dispatch
import Foundation
import ModeldTestSupport

var options = TestHub.Options()
options.bodyBytesPerSecond = 2_000_000
var repos = DemoRepos.all
var arguments = CommandLine.arguments.dropFirst()

/// The number after an option, or exit 2 saying what it needs.
@MainActor func positiveNumber(after option: String) -> Int {
    guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
        FileHandle.standardError.write(Data("modeld-demo-hub: \(option) needs a positive number\n".utf8))
        exit(2)
    }
    return value
}

while let argument = arguments.popFirst() {
    switch argument {
    case "--bytes-per-second":
        // Per answer, so per connection: a CDN's cap.
        options.bodyBytesPerSecond = positiveNumber(after: argument)
    case "--latency-ms":
        options.requestLatency = .milliseconds(positiveNumber(after: argument))
    case "--bench-file-mib":
        // One LFS file of that size, for Benchmarks/download-cdn-vs-peers.sh.
        repos.append(DemoRepos.bench(mebibytes: positiveNumber(after: argument)))
    default:
        FileHandle.standardError.write(Data("usage: modeld-demo-hub [--bytes-per-second N] [--latency-ms N] [--bench-file-mib N]\n".utf8))
        exit(2)
    }
}

let hub: TestHub
do {
    hub = try TestHub(repos: repos, options: options)
} catch {
    FileHandle.standardError.write(Data("modeld-demo-hub: could not listen: \(error)\n".utf8))
    exit(1)
}
// Written at once (not buffered): `make demo` reads the first line to start modeld.
FileHandle.standardOutput.write(Data("""
    HF_ENDPOINT=\(hub.endpoint)
    # the gated twin (\(DemoRepos.gated)) accepts HF_TOKEN=\(TestHub.token)

    """.utf8))

// Kept alive by the handlers until a signal ends the process.
var signalSources: [DispatchSourceSignal] = []
for number in [SIGTERM, SIGINT] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
    source.setEventHandler {
        hub.shutdown()
        exit(0)
    }
    source.resume()
    signalSources.append(source)
}
dispatchMain()
