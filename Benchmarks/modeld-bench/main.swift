// modeld-bench: drives the hashing engine alone, so Benchmarks/verify-vs-openssl.sh can
// put it side by side with `openssl dgst`. Not part of the daemon.
//
//   modeld-bench first FILE [--kind sha256|git-sha1] [options]
//       one first verification (whole-file digest + chunk index in one read pass)
//   modeld-bench rehash FILE... [options]
//       builds each file's chunk index (untimed), then times the re-verification of all
//       the files together, as a changed-file event or `modelctl verify` would run it
//
//   options: --chunk-size BYTES (default 16 MiB)  --read-size BYTES  --threads N
//            --repeat N (timed part N times; the best is printed last as `best`)
//
// Every timed line has `bytes=… [cpu=…] seconds=… gbps=…` (GB = 10^9 bytes) for
// scripts; cpu is user + system seconds of the whole process during the run.

import Foundation
import ModeldCore
import ModeldLinux

struct Options {
    var command = ""
    var files: [String] = []
    var chunkSize = FileHasher.defaultChunkSize
    var readSize = FileHasher.defaultReadSize
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var repeats = 1
    var kind = DigestKind.sha256
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("modeld-bench: \(message)\n".utf8))
    exit(2)
}

func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var rest = arguments.dropFirst()
    guard let command = rest.popFirst(), ["first", "rehash"].contains(command) else {
        fail("usage: modeld-bench first FILE | rehash FILE... [--chunk-size BYTES] [--read-size BYTES] [--threads N] [--repeat N] [--kind sha256|git-sha1]")
    }
    options.command = command
    func number(_ flag: String) -> Int {
        guard let text = rest.popFirst(), let value = Int(text), value > 0 else { fail("\(flag) needs a positive integer") }
        return value
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "--chunk-size": options.chunkSize = number(argument)
        case "--read-size": options.readSize = number(argument)
        case "--threads": options.threads = number(argument)
        case "--repeat": options.repeats = number(argument)
        case "--kind":
            guard let text = rest.popFirst(), let kind = DigestKind(rawValue: text) else { fail("--kind is sha256 or git-sha1") }
            options.kind = kind
        default:
            if argument.hasPrefix("--") { fail("unknown option \(argument)") }
            options.files.append(argument)
        }
    }
    if options.files.isEmpty { fail("\(command) needs at least one FILE") }
    if command == "first", options.files.count > 1 { fail("first takes one FILE") }
    return options
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// User + system CPU seconds of this process so far (`getrusage`): with `seconds`, it
/// tells a slow run on a busy machine from a slow engine.
func cpuSeconds() -> Double {
    var usage = rusage()
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}

func line(_ label: String, bytes: Int64, duration: Duration, cpu: Double? = nil) -> String {
    let elapsed = seconds(duration)
    let rate = elapsed > 0 ? Double(bytes) / elapsed / 1e9 : 0
    let cpuText = cpu.map { " cpu=\(String(format: "%.3f", $0))" } ?? ""
    return "\(label) bytes=\(bytes)\(cpuText) seconds=\(String(format: "%.4f", elapsed)) gbps=\(String(format: "%.3f", rate))"
}

func size(of path: String) -> Int64 {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
        let size = attributes[.size] as? NSNumber
    else { fail("cannot stat \(path)") }
    return size.int64Value
}

let options = parse(CommandLine.arguments)
let pool: BlockingPool
do {
    pool = try BlockingPool(threadCount: options.threads)
} catch {
    fail("\(error)")
}
defer { pool.shutdown() }
let hasher = FileHasher(pool: pool, readSize: options.readSize)
let clock = ContinuousClock()

do {
    switch options.command {
    case "first":
        let path = options.files[0]
        let expected = size(of: path)
        var best: Duration?
        var bytes: Int64 = 0
        for run in 1...options.repeats {
            let start = clock.now, startCPU = cpuSeconds()
            let result = try await hasher.firstVerification(
                path: path, kind: options.kind, expectedSize: expected, chunkSize: options.chunkSize)
            let elapsed = clock.now - start
            bytes = result.bytesRead
            if run == 1 { print("digest=\(result.digest) chunks=\(result.chunkHashes.count)") }
            print(line("run=\(run)", bytes: bytes, duration: elapsed, cpu: cpuSeconds() - startCPU))
            best = min(best ?? elapsed, elapsed)
        }
        if let best { print(line("best", bytes: bytes, duration: best)) }

    case "rehash":
        var indexes: [(path: String, size: Int64, chunks: [String])] = []
        for path in options.files {
            let expected = size(of: path)
            let first = try await hasher.firstVerification(
                path: path, kind: .sha256, expectedSize: expected, chunkSize: options.chunkSize)
            indexes.append((path, expected, first.chunkHashes))
        }
        let items = indexes
        var best: Duration?
        var bytes: Int64 = 0
        for run in 1...options.repeats {
            let start = clock.now, startCPU = cpuSeconds()
            let results = try await withThrowingTaskGroup(of: FileHasher.Reverification.self) { group in
                for item in items {
                    group.addTask {
                        try await hasher.damagedChunks(
                            path: item.path, expected: item.chunks, chunkSize: options.chunkSize,
                            expectedSize: item.size)
                    }
                }
                var results: [FileHasher.Reverification] = []
                for try await result in group { results.append(result) }
                return results
            }
            let elapsed = clock.now - start, cpu = cpuSeconds() - startCPU
            if let bad = results.first(where: { !$0.isIntact }) {
                fail("unexpected damage: chunks \(bad.damaged)")
            }
            bytes = results.reduce(0) { $0 + $1.bytesHashed }
            print(line("run=\(run) files=\(items.count)", bytes: bytes, duration: elapsed, cpu: cpu))
            best = min(best ?? elapsed, elapsed)
        }
        if let best { print(line("best", bytes: bytes, duration: best)) }

    default:
        fail("unknown command \(options.command)")
    }
} catch {
    fail("\(error)")
}
