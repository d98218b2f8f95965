import Foundation
import ModeldCore
import ModeldTestSupport
import Testing

/// The manifest parsers against thousands of generated hostile listings: each page is
/// refused with a `ManifestError`, or gives only files a snapshot can hold (a path
/// `ManifestPath` accepts, a lowercase digest of the right length, a size that adds up).
/// A crash fails the whole run. Seeded: `MODELD_FUZZ_SEED` replays a failure.
@Suite struct TreePageFuzzTests {
    @Test func hostileListingsAreRefusedOrGiveOnlySafeFiles() throws {
        let seed = try SplitMix64.seed(default: 0x7472_6565)
        print("TreePageFuzzTests: seed \(seed); MODELD_FUZZ_SEED=\(seed) replays this run")
        var pages = HostileTreePages(seed: seed)
        var accepted = 0
        let count = 5_000
        let began = ContinuousClock.now
        for index in 0..<count {
            let page = Data(pages.next().utf8)
            var results: [[ManifestFile]] = []
            if let files = try? HubAPI.files(fromTreePage: page) {
                results.append(files)
                // What the hub gave is kept in huggingface_hub's format and read back at the next start.
                if let kept = try? TreeCache.listing(fromHubEntries: page), let again = try? TreeCache.files(from: kept) {
                    results.append(again)
                }
            }
            if let files = try? TreeCache.files(from: page) { results.append(files) }
            accepted += results.isEmpty ? 0 : 1
            for files in results {
                let problems = Self.problems(in: files)
                #expect(problems.isEmpty, "page \(index) (seed \(seed)): \(problems)\n\(String(decoding: page.prefix(500), as: UTF8.self))")
            }
        }
        print("TreePageFuzzTests: \(count) pages, \(accepted) gave files, in \(ContinuousClock.now - began)")
        #expect(accepted > count / 20, "the generator still makes some good pages")
    }

    /// What about `files` a snapshot could not safely hold.
    static func problems(in files: [ManifestFile]) -> [String] {
        var problems: [String] = []
        var total: Int64 = 0
        for file in files {
            if (try? ManifestPath.validate(file.path)) != file.path { problems.append("unsafe path \(file.path.debugDescription)") }
            if !Hex.isHex(file.digest.hex, count: file.digest.kind.hexLength) || file.digest.hex != file.digest.hex.lowercased() {
                problems.append("digest \(file.digest)")
            }
            let (sum, overflow) = total.addingReportingOverflow(file.size)
            if file.size < 0 || overflow || sum > HubAPI.largestTotalSize { problems.append("size \(file.size)") }
            total = sum
        }
        if Set(files.map(\.path)).count != files.count { problems.append("a path listed twice") }
        return problems
    }
}
