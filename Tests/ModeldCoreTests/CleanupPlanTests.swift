import Foundation
import ModeldCore
import Testing

@Suite struct CleanupPlanTests {
    static let layout = StoreLayout(root: "/store")
    static let now = Date(timeIntervalSince1970: 2_000_000_000)
    static let day: TimeInterval = 86400

    static func file(_ path: String, _ hex: Character, size: Int64) -> ManifestFile {
        ManifestFile(path: path, size: size, digest: .sha256(String(repeating: hex, count: 64)))
    }
    static func commit(_ digit: Character) -> String { String(repeating: digit, count: 40) }
    static func blob(_ repo: String, _ file: ManifestFile) -> String { layout.blob(repo, file.digest) }
    static func link(_ manifest: Manifest, _ file: ManifestFile) -> String { layout.snapshotFile(manifest.repo, manifest.commit, file.path) }

    // The Wan repos ship the T5 encoder beside each model's own weights.
    static let t5 = file("models_t5_umt5-xxl-enc-bf16.pth", "e", size: 5000)
    static let ditA = file("a/diffusion_pytorch_model.safetensors", "a", size: 1000)
    static let ditB = file("b/diffusion_pytorch_model.safetensors", "b", size: 2000)
    static let config = file("config.json", "c", size: 10)

    static func model(
        _ id: String, _ manifest: Manifest, daysAgo: Double?, present: Bool = true, pinned: Bool = false, leased: Bool = false, busy: Bool = false
    ) -> CleanupPlan.Model {
        CleanupPlan.Model(
            id: id, manifest: manifest, present: present, pinned: pinned, leased: leased, busy: busy,
            lastUsed: daysAgo.map { now.addingTimeInterval(-$0 * day) })
    }

    /// A model alone in its own repo, so nothing it holds is shared.
    static func alone(_ id: String, daysAgo: Double?, size: Int64 = 1000, pinned: Bool = false, leased: Bool = false, busy: Bool = false, present: Bool = true)
        -> CleanupPlan.Model
    {
        model(
            id, Manifest(repo: "org/\(id)", commit: commit("1"), files: [file("model.safetensors", "d", size: size)]), daysAgo: daysAgo,
            present: present, pinned: pinned, leased: leased, busy: busy)
    }

    static func stalePartial(_ bytes: Int64) -> CleanupPlan.PartialFile {
        .init(path: "/store/models--org--x/blobs/\(String(repeating: "f", count: 64)).incomplete", bytes: bytes, modified: now.addingTimeInterval(-7 * day), owned: false)
    }

    static func plan(
        models: [CleanupPlan.Model] = [], old: [CleanupPlan.OldRevision] = [], partials: [CleanupPlan.PartialFile] = [],
        free: Int64 = 0, target: Int64 = 1 << 50
    ) -> CleanupPlan {
        CleanupPlan(
            models: models, oldRevisions: old, partials: partials, layout: layout, freeBytes: free, targetFreeBytes: target, now: now,
            staleAfter: day)
    }

    // MARK: - Partial files

    @Test(arguments: [
        (3 * day, false, "partial download left 3 days ago"),
        (day, false, "partial download left 1 day ago"),  // exactly stale
        (3600, false, nil),  // fresh: a download may be about to pick it up again
        (30 * day, true, nil),  // a paused download owns it, however old
    ] as [(TimeInterval, Bool, String?)])
    func partialFileIsListedOnlyWhenStaleAndUnowned(age: TimeInterval, owned: Bool, reason: String?) {
        let partial = CleanupPlan.PartialFile(path: "/store/p.incomplete", bytes: 123, modified: Self.now.addingTimeInterval(-age), owned: owned)
        let plan = Self.plan(partials: [partial], target: 0)
        #expect(plan.candidates.map(\.reason) == (reason.map { [$0] } ?? []))
        if let reason {
            #expect(plan.candidates == [CleanupCandidate(kind: .partialFile, bytes: 123, reason: reason, paths: ["/store/p.incomplete"])])
        }
    }

    // MARK: - Old revisions

    @Test func oldRevisionFreesOnlyWhatTheCurrentCommitDoesNotShare() {
        let current = Manifest(repo: "org/wan", commit: Self.commit("2"), files: [Self.config, Self.ditA])
        let old = Manifest(repo: "org/wan", commit: Self.commit("1"), files: [Self.config, Self.ditB])
        let revision = CleanupPlan.OldRevision(
            repo: old.repo, commit: old.commit, links: old.files.map { Self.link(old, $0) },
            blobs: old.files.map { (Self.blob(old.repo, $0), $0.size) })
        let plan = Self.plan(models: [Self.model("wan", current, daysAgo: 1)], old: [revision], target: 0)
        #expect(
            plan.candidates == [
                CleanupCandidate(
                    kind: .oldRevision, repo: "org/wan", commit: old.commit, bytes: 2000, reason: "revision 1111111 was replaced by 2222222",
                    paths: [Self.link(old, Self.config), Self.link(old, Self.ditB), Self.blob("org/wan", Self.ditB), Self.layout.snapshot("org/wan", old.commit)])
            ])
    }

    @Test func aRevisionAnUpdateReplacedSaysHowLongAgo() {
        let current = Manifest(repo: "org/wan", commit: Self.commit("2"), files: [Self.ditA])
        let old = Manifest(repo: "org/wan", commit: Self.commit("1"), files: [Self.ditB])
        let revision = CleanupPlan.OldRevision(
            repo: old.repo, commit: old.commit, links: old.files.map { Self.link(old, $0) },
            blobs: old.files.map { (Self.blob(old.repo, $0), $0.size) }, replaced: Self.now.addingTimeInterval(-3 * Self.day))
        let plan = Self.plan(models: [Self.model("wan", current, daysAgo: 1)], old: [revision], target: 0)
        #expect(plan.candidates.map(\.reason) == ["revision 1111111 was replaced by 2222222 3 days ago"])
    }

    @Test func aBlobTwoOldRevisionsShareIsCountedOnceWithTheLast() {
        let first = Manifest(repo: "org/wan", commit: Self.commit("1"), files: [Self.ditA])
        let second = Manifest(repo: "org/wan", commit: Self.commit("2"), files: [Self.ditA])
        let revisions = [first, second].map { old in
            CleanupPlan.OldRevision(repo: old.repo, commit: old.commit, links: old.files.map { Self.link(old, $0) }, blobs: [(Self.blob(old.repo, Self.ditA), 1000)])
        }
        let current = Manifest(repo: "org/wan", commit: Self.commit("3"), files: [Self.config])
        let plan = Self.plan(models: [Self.model("wan", current, daysAgo: nil)], old: revisions, target: 0)
        #expect(plan.candidates.map(\.bytes) == [0, 1000])
        #expect(!plan.candidates[0].paths.contains(Self.blob("org/wan", Self.ditA)), "the second revision's link still points at it")
        #expect(plan.freedBytes == 1000)
    }

    @Test func aRevisionSomeModelFollowsIsNeverOld() {
        let current = Manifest(repo: "org/wan", commit: Self.commit("2"), files: [Self.ditA])
        let notOld = CleanupPlan.OldRevision(repo: "org/wan", commit: current.commit, links: [Self.link(current, Self.ditA)], blobs: [])
        #expect(Self.plan(models: [Self.model("wan", current, daysAgo: 1)], old: [notOld], target: 0).candidates.isEmpty)
    }

    // MARK: - Models

    @Test func modelsGoLeastRecentlyUsedFirstNeverUsedBeforeAll() {
        let models = [Self.alone("c", daysAgo: 1), Self.alone("b", daysAgo: nil), Self.alone("d", daysAgo: 10), Self.alone("a", daysAgo: nil)]
        let plan = Self.plan(models: models)
        #expect(plan.candidates.map(\.model) == ["a", "b", "d", "c"])
        #expect(plan.candidates.map(\.reason) == ["never used", "never used", "not used for 10 days", "not used for 1 day"])
        #expect(plan.candidates.allSatisfy { $0.kind == .model && $0.bytes == 1000 })
        #expect(plan.candidates[0].paths == ["/store/models--org--a/snapshots/\(Self.commit("1"))/model.safetensors", "/store/models--org--a/blobs/" + String(repeating: "d", count: 64)])
    }

    @Test func pinnedLeasedAndBusyModelsAreKeptAndSaySoAbsentOnesAreNotMentioned() {
        let models = [
            Self.alone("pinned", daysAgo: nil, pinned: true), Self.alone("leased", daysAgo: nil, leased: true),
            Self.alone("busy", daysAgo: nil, busy: true), Self.alone("absent", daysAgo: nil, present: false), Self.alone("free", daysAgo: 3),
        ]
        let plan = Self.plan(models: models)
        #expect(plan.candidates.map(\.model) == ["free"])
        #expect(
            plan.kept == [
                CleanupSkip(model: "busy", why: "downloading or being checked"), CleanupSkip(model: "leased", why: "in use (leased)"),
                CleanupSkip(model: "pinned", why: "pinned"),
            ])
    }

    /// 100 bytes free plus a 400-byte stale partial: 500 before any model goes.
    @Test(arguments: [
        (500, [], true), (501, ["a"], true), (1500, ["a"], true), (1501, ["a", "b"], true), (10_000, ["a", "b", "c"], false),
    ] as [(Int64, [String], Bool)])
    func modelsAreAddedOnlyUntilTheTargetIsReached(target: Int64, chosen: [String], reaches: Bool) {
        let models = [Self.alone("c", daysAgo: 10), Self.alone("a", daysAgo: 30), Self.alone("b", daysAgo: 20)]
        let plan = Self.plan(models: models, partials: [Self.stalePartial(400)], free: 100, target: target)
        #expect(plan.candidates.compactMap(\.model) == chosen)
        #expect(plan.candidates.first?.kind == .partialFile)
        #expect(plan.reachesTarget == reaches)
        #expect(plan.freedBytes == 400 + 1000 * Int64(chosen.count))
    }

    @Test func wasteIsListedEvenWhenTheTargetIsAlreadyMet() {
        let current = Manifest(repo: "org/wan", commit: Self.commit("2"), files: [Self.ditA])
        let old = CleanupPlan.OldRevision(
            repo: "org/wan", commit: Self.commit("1"), links: ["/store/models--org--wan/snapshots/\(Self.commit("1"))/x"],
            blobs: [(Self.blob("org/wan", Self.ditB), 2000)])
        let plan = Self.plan(models: [Self.model("wan", current, daysAgo: 90)], old: [old], partials: [Self.stalePartial(400)], free: 10_000, target: 5_000)
        #expect(plan.candidates.map(\.kind) == [.partialFile, .oldRevision])
        #expect(plan.freedBytes == 2400)
        #expect(plan.reachesTarget)
    }

    /// Two catalog models of one repo, each with its own weights and the shared T5 encoder.
    static let sharing = (
        a: Manifest(repo: "org/wan", commit: commit("1"), files: [t5, ditA]),
        b: Manifest(repo: "org/wan", commit: commit("1"), files: [t5, ditB])
    )

    @Test func aSharedBlobIsFreedOnlyWithTheLastModelThatNeedsIt() {
        let models = [Self.model("a", Self.sharing.a, daysAgo: 2), Self.model("b", Self.sharing.b, daysAgo: 1)]
        let onlyA = Self.plan(models: models, target: 1000)
        #expect(onlyA.candidates.map(\.model) == ["a"])
        #expect(onlyA.candidates[0].bytes == 1000, "b still needs the encoder")
        #expect(onlyA.candidates[0].paths == [Self.link(Self.sharing.a, Self.ditA), Self.blob("org/wan", Self.ditA)])

        let both = Self.plan(models: models, target: 1001)
        #expect(both.candidates.map(\.model) == ["a", "b"])
        #expect(both.candidates.map(\.bytes) == [1000, 2000 + 5000], "the encoder counted once, with b")
        #expect(both.candidates[1].paths.contains(Self.blob("org/wan", Self.t5)))
        #expect(both.freedBytes == 8000)
    }

    @Test func aBlobAPinnedModelNeedsIsNeverCounted() {
        let models = [Self.model("a", Self.sharing.a, daysAgo: 2), Self.model("keep", Self.sharing.b, daysAgo: 300, pinned: true)]
        let plan = Self.plan(models: models)
        #expect(plan.candidates.map(\.model) == ["a"])
        #expect(plan.candidates[0].bytes == 1000)
        #expect(!plan.candidates[0].paths.contains(Self.blob("org/wan", Self.t5)))
        #expect(plan.kept == [CleanupSkip(model: "keep", why: "pinned")])
        #expect(!plan.reachesTarget)
    }

    // MARK: - The wire

    @Test func aCandidateEncodesWithSnakeCaseKindAndNoEmptyFields() throws {
        let candidate = CleanupCandidate(
            kind: .oldRevision, repo: "org/wan", commit: Self.commit("1"), bytes: 900, reason: "revision 1111111 was replaced", paths: ["/s/x"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(candidate), as: UTF8.self)
        #expect(
            json == #"{"bytes":900,"commit":"1111111111111111111111111111111111111111","kind":"old_revision","paths":["/s/x"],"reason":"revision 1111111 was replaced","repo":"org/wan"}"#)
        #expect(try JSONDecoder().decode(CleanupCandidate.self, from: Data(json.utf8)) == candidate)
    }
}
