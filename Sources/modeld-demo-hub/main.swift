// modeld-demo-hub: the test hub (ModeldTestSupport) run as a program for `make demo`: it
// serves `DemoRepos` on 127.0.0.1 and prints `HF_ENDPOINT=…` for modeld, then serves
// until SIGTERM or SIGINT. Bodies are paced (`--bytes-per-second`, default 2 MB/s) so a
// pull lasts long enough to watch. Not part of the daemon.
import Dispatch
import Foundation
import ModeldTestSupport

var options = TestHub.Options()
options.bodyBytesPerSecond = 2_000_000
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--bytes-per-second":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
            FileHandle.standardError.write(Data("modeld-demo-hub: --bytes-per-second needs a positive number\n".utf8))
            exit(2)
        }
        options.bodyBytesPerSecond = value
    default:
        FileHandle.standardError.write(Data("usage: modeld-demo-hub [--bytes-per-second N]\n".utf8))
        exit(2)
    }
}

let hub: TestHub
do {
    hub = try TestHub(repos: DemoRepos.all, options: options)
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
