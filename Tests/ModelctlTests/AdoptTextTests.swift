import ModeldCore
import ModeldProtocol
import Testing

@testable import modelctl

/// What `modelctl adopt` prints: the plan, the report, a scan.
@Suite struct AdoptTextTests {
    @Test func thePlanSaysWhatIsCheckedWhatIsFetchedAndWhatIsLeftAlone() {
        let plan = AdoptPlanResult(
            model: "ti2v-5B", path: "/srv/Wan2.2-TI2V-5B", commit: String(repeating: "c", count: 40), commitFrom: "local-dir metadata",
            mode: .link, filesToCheck: 11, bytesToCheck: 31 << 30,
            toFetch: [AdoptFileNote(path: "Wan2.2_VAE.pth", reason: "not in the folder")], extra: ["README.md"], extraCount: 1)
        #expect(AdoptText.plan(plan) == [
            "ti2v-5B: /srv/Wan2.2-TI2V-5B against commit cccccccccccc (named by local-dir metadata), by hard link: 11 files (31 GiB) to check",
            "to fetch from the hub afterwards: 1 file",
            "  Wan2.2_VAE.pth: not in the folder",
            "left alone in the folder (not part of ti2v-5B): 1 file",
            "  README.md",
        ])
    }

    @Test func theReportCountsEachWayAndListsAtMostTenFilesToFetch() {
        var report = AdoptReport(model: "ti2v-5B", commit: String(repeating: "c", count: 40), mode: .move)
        report.moved = 9
        report.alreadyStored = 1
        report.bytesAdopted = 30 << 30
        report.fetching = (1...12).map { AdoptFileNote(path: "shard-\($0)", reason: "not in the folder") }
        report.bytesToFetch = 12 << 20
        let lines = AdoptText.report(report)
        #expect(lines.first == "ti2v-5B: adopted 10 files (30 GiB verified, nothing downloaded): 9 moved, 1 in the store already")
        #expect(lines[1] == "fetching 12 files (12 MiB):")
        #expect(lines.count == 2 + 10 + 1 && lines.last == "  … and 2 more (--json lists them)")
    }

    @Test func aScanPrintsATableAndTheCommands() {
        let found = AdoptScanResult.Found(
            model: "ti2v-5B", folder: "/srv/Wan2.2-TI2V-5B", files: 12, matchedFiles: 12, bytes: 32 << 30, matchedBytes: 32 << 30,
            command: "modelctl adopt ti2v-5B /srv/Wan2.2-TI2V-5B")
        let lines = AdoptText.scan(AdoptScanResult(
            path: "/srv", found: [found], unchecked: [AdoptFileNote(path: "t2v-A14B", reason: "the hub cannot be reached")], truncated: false))
        #expect(lines[0] == "FOLDER               MODEL    FILES  BYTES\n/srv/Wan2.2-TI2V-5B  ti2v-5B  12/12  32 GiB of 32 GiB")
        #expect(lines.contains("  modelctl adopt ti2v-5B /srv/Wan2.2-TI2V-5B"))
        #expect(lines.last == "not looked for: t2v-A14B: the hub cannot be reached")
        #expect(AdoptText.scan(AdoptScanResult(path: "/srv", found: [], unchecked: [], truncated: true)) == [
            "no folder under /srv holds most of a catalog model (by file names and sizes)",
            "the listing stopped at its limit: scan a folder closer to the models",
        ])
    }
}
