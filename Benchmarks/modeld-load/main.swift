// modeld-load: many clients hammering `status` and `acquire` (+ `release`) on a ready
// model while another model downloads, against the real modeld and the test hub on
// loopback. Prints latency percentiles per command and the daemon's memory.
// Benchmarks/acquire-under-load.sh builds it in release mode and runs it.
//
//   modeld-load [--clients N] [--seconds S] [--download-mib M] [--rate-mbps R] [--pace-ms P]
//
// Closed loop by default (each client sends its next request when the answer comes: the
// daemon's saturation); with --pace-ms each client sends one request every P ms.
//
// The daemon is the one in $MODELD_PRODUCTS (the script points it at the release build).

import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Synchronization

struct Options {
    var clients = 100
    var seconds = 20.0
    var downloadMiB = 2048
    /// The hub's rate for the download, so it runs through the whole measurement.
    var rateMBps = 60
    /// Each client sends a request every this many ms (0: as fast as answers come).
    var paceMilliseconds = 0.0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("modeld-load: \(message)\n".utf8))
    exit(2)
}

func parse() -> Options {
    var options = Options()
    var rest = CommandLine.arguments.dropFirst()
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let value = Double(text), value > 0 else {
            fail("usage: modeld-load [--clients N] [--seconds S] [--download-mib M] [--rate-mbps R] [--pace-ms P]")
        }
        switch flag {
        case "--clients": options.clients = Int(value)
        case "--seconds": options.seconds = value
        case "--download-mib": options.downloadMiB = Int(value)
        case "--rate-mbps": options.rateMBps = Int(value)
        case "--pace-ms": options.paceMilliseconds = value
        default: fail("unknown option \(flag)")
        }
    }
    return options
}

/// `VmRSS` or `VmHWM` of a process, in KiB.
func memory(_ field: String, of pid: Int32) -> Int {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

let options = parse()
let ready = TestRepo("bench/ready", files: [
    TestFile("config.json", text: "{}"), TestFile("model.bin", size: 64 << 20, seed: 1),
])
let downloading = TestRepo("bench/downloading", files: [TestFile("model.bin", size: options.downloadMiB << 20, seed: 2)])
let hub = try TestHub(repos: [ready, downloading])
hub.faults.enqueue(.throttle(bytesPerSecond: options.rateMBps * 1_000_000 / 4), for: .download("model.bin", in: downloading.id), times: 10_000)
let daemon = try DaemonHarness(config: "")
try daemon.directory.write("modeld.toml", """
    [daemon]
    socket_mode = "0666"
    store_dir = "\(daemon.directory.file("cache"))"
    log_level = "warning"
    [disk]
    reserve = "0"
    [[model]]
    id = "ready"
    repo = "\(ready.id)"
    [[model]]
    id = "downloading"
    repo = "\(downloading.id)"
    """)
try HFCacheWriter.write(ready, into: daemon.directory.file("cache"))
try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
try daemon.waitForState("ready", .available, timeout: .seconds(120))
guard let pid = daemon.process?.pid else { fail("the daemon did not start") }
let idleRSS = memory("VmRSS", of: pid)
guard try daemon.request("pull", ["model": .string("downloading")]).ok else { fail("the daemon refused the pull") }
try daemon.waitForState("downloading", .downloading, timeout: .seconds(30))

struct Sample {
    var command: String
    var milliseconds: Double
}
let samples = Mutex<[Sample]>([])
let failures = Atomic<Int>(0)
let socket = daemon.socketPath
let statusLine = Data(#"{"cmd":"status"}"#.utf8)
let acquireLine = Data(#"{"cmd":"acquire","model":"ready"}"#.utf8)
let end = ContinuousClock.now + .seconds(options.seconds)
let group = DispatchGroup()
for index in 0..<options.clients {
    group.enter()
    Thread.detachNewThread {
        defer { group.leave() }
        guard let client = try? ControlClient(path: socket, timeout: .seconds(30)) else {
            failures.add(1, ordering: .relaxed)
            return
        }
        var mine: [Sample] = []
        var turn = index
        // Paced clients start at random points of their period, as independent services
        // would, rather than all at once in lock-step bursts.
        var next = ContinuousClock.now + .milliseconds(Double.random(in: 0..<max(options.paceMilliseconds, 1)))
        while ContinuousClock.now < end {
            turn += 1
            if options.paceMilliseconds > 0 {
                next += .milliseconds(options.paceMilliseconds)
                if next > .now { Thread.sleep(forTimeInterval: Double(milliseconds(next - .now)) / 1000) }
            }
            // Timed: the request's bytes out and its answer's line in. Decoding an answer
            // is the client's cost and stays outside the timing.
            func exchange(_ command: String, _ line: Data) -> Data? {
                let started = ContinuousClock.now
                guard (try? client.send(line: line)) != nil, let answer = try? client.readLine() else { return nil }
                mine.append(Sample(command: command, milliseconds: milliseconds(.now - started)))
                return answer
            }
            if turn % 2 == 0 {
                guard let answer = exchange("status", statusLine), (try? WireCodec.decoder.decode(Response.self, from: answer))?.ok == true else {
                    failures.add(1, ordering: .relaxed)
                    continue
                }
            } else {
                guard let answer = exchange("acquire", acquireLine),
                    let lease = try? WireCodec.decoder.decode(Response.self, from: answer).decode(AcquireResult.self).lease,
                    let released = exchange("release", Data(#"{"cmd":"release","lease":"\#(lease)"}"#.utf8)),
                    (try? WireCodec.decoder.decode(Response.self, from: released))?.ok == true
                else {
                    failures.add(1, ordering: .relaxed)
                    continue
                }
            }
        }
        samples.withLock { $0 += mine }
    }
}
// The daemon's memory at its peak under load.
var peakRSS = 0
while group.wait(timeout: .now() + 0.5) == .timedOut { peakRSS = max(peakRSS, memory("VmRSS", of: pid)) }
let status = try daemon.request("status", ["model": .string("downloading")]).decode(StatusResult.self).models[0]
let all = samples.withLock { $0 }
print("clients=\(options.clients) seconds=\(options.seconds) pace=\(options.paceMilliseconds > 0 ? "\(options.paceMilliseconds) ms" : "closed loop") failures=\(failures.load(ordering: .relaxed))")
print("download during the run: \(status.state.rawValue), \(ByteSize.format(status.download?.bytesDone ?? 0)) done at \(ByteSize.format(status.download?.speedBytesPerSecond ?? 0))/s")
print(["command ", "   count", "   req/s", "  p50 ms", "  p90 ms", "  p99 ms", "  max ms"].joined(separator: " "))
for command in ["status", "acquire", "release"] {
    let sorted = all.filter { $0.command == command }.map(\.milliseconds).sorted()
    print(String(
        format: "%-8@ %8d %8.0f %8.2f %8.2f %8.2f %8.2f", command as NSString, sorted.count, Double(sorted.count) / options.seconds,
        percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99), sorted.last ?? .nan))
}
print("daemon RSS: idle \(idleRSS / 1024) MiB, peak under load \(peakRSS / 1024) MiB (VmHWM \(memory("VmHWM", of: pid) / 1024) MiB)")
_ = try daemon.stop()
hub.shutdown()
