import Logging
import ModeldCore
import ModeldProtocol
import Testing

@testable import ModeldDaemon

/// A verdict counts only if it is news: a check that began before a download or a repair
/// put the file in place read the bytes it replaced. Damage found during a download is
/// repaired after it unless the download's own check found it, and an automatic repair
/// that is decided is "coming" until the auto-fetcher has queued it.
@Suite struct KeeperVerdictTests {
    static let file = ManifestFile(path: "w.safetensors", size: 4, digest: .sha256(String(repeating: "a", count: 64)))

    static var config: ModeldConfig {
        var config = ModeldConfig()
        config.models = [CatalogModel(id: "m", repo: "org/m")]
        return config
    }

    static func keeper() async -> Keeper {
        let keeper = Keeper(config: config, events: EventBus(), logger: Logger(label: "test"))
        await keeper.adopt(Manifest(repo: "org/m", commit: String(repeating: "1", count: 40), files: [file]), for: "m")
        return keeper
    }

    static let damage = FileCondition.corrupted(damagedRanges: [ByteRange(0, 4)], reason: "1 range does not match")

    /// The model available: its file put in place and its path pointed at the snapshot.
    static func available() async -> Keeper {
        let keeper = await Self.keeper()
        await keeper.published(file, of: "m")
        await keeper.linked("m", to: String(repeating: "1", count: 40))
        return keeper
    }

    /// The model available, then a download of it running (of another of its files).
    static func downloading() async -> Keeper {
        let keeper = await Self.available()
        await keeper.downloadChanged("m", DownloadRecord(phase: .running, repairing: false, priority: .normal, bytesDone: 0, bytesTotal: 1))
        return keeper
    }

    /// A check that begins now finds the file damaged.
    static func findDamage(in keeper: Keeper, by source: IntegritySource) async {
        await keeper.record(damage, for: file, of: "m", source: source, checkBegan: await keeper.checkTicket())
    }

    @Test func aCheckBegunBeforeARepairPublishedIsDroppedAndTheFileCheckedAgain() async {
        let keeper = await Self.keeper()
        let began = await keeper.checkTicket()
        // The repair puts the good file in place while that check still reads the old one.
        await keeper.published(Self.file, of: "m")
        await keeper.record(Self.damage, for: Self.file, of: "m", source: .watch, checkBegan: began)
        #expect(await keeper.integrity(of: "m")?[Self.file.path] == .verified(.full))
        #expect(await keeper.availability(of: "m").pendingChecks.files.keys.contains(Self.file.path), "the bad verdict may be news all the same")
    }

    @Test func aCheckBegunAfterItCounts() async {
        let keeper = await Self.keeper()
        await keeper.published(Self.file, of: "m")
        await Self.findDamage(in: keeper, by: .watch)
        #expect(await keeper.integrity(of: "m")?[Self.file.path] == Self.damage)
    }

    @Test func damageAnotherCheckFindsDuringADownloadIsRepairedWhenItEnds() async {
        let keeper = await Self.downloading()
        // The watcher's check, while the download runs (the change may have been seen before it began).
        await Self.findDamage(in: keeper, by: .watch)
        await keeper.downloadChanged("m", nil)
        #expect(await keeper.state(of: "m") == .corrupted)
        #expect(await keeper.takeAutomaticWork().map(\.action) == [.repair])
    }

    /// The plan reads the files' conditions before the watcher's check of another file
    /// ends: that damage is not in the download, so the download's end must not take it
    /// for its own (seen in CI: the waiter got "mock output" and the file stayed short).
    @Test func damageFoundWhileADownloadIsPlannedIsRepairedWhenItEnds() async {
        let keeper = await Self.available()
        await keeper.downloadPlanning("m", began: true)
        await Self.findDamage(in: keeper, by: .watch)
        _ = await keeper.takeAutomaticWork()
        await keeper.downloadChanged("m", DownloadRecord(phase: .running, repairing: false, priority: .normal, bytesDone: 0, bytesTotal: 1))
        await keeper.downloadChanged("m", nil)
        #expect(await keeper.state(of: "m") == .corrupted)
        #expect(await keeper.takeAutomaticWork().map(\.action) == [.repair])
    }

    @Test func afterAFailedPlanADownloadsOwnEndIsLeftToAPersonAgain() async {
        let keeper = await Self.available()
        await keeper.downloadPlanning("m", began: true)
        await Self.findDamage(in: keeper, by: .watch)
        await keeper.downloadPlanning("m", began: false)
        _ = await keeper.takeAutomaticWork()
        await keeper.downloadChanged("m", DownloadRecord(phase: .running, repairing: false, priority: .normal, bytesDone: 0, bytesTotal: 1))
        await keeper.downloadChanged("m", nil)
        #expect(await keeper.takeAutomaticWork().isEmpty, "the damage was known when this download was planned")
    }

    @Test func damageADownloadsOwnFinalCheckFindsIsLeftToAPerson() async {
        let keeper = await Self.downloading()
        await Self.findDamage(in: keeper, by: .download)
        await keeper.downloadChanged("m", nil)
        #expect(await keeper.state(of: "m") == .corrupted)
        #expect(await keeper.takeAutomaticWork().isEmpty, "a repair that cannot mend a file must not start again by itself")
    }

    @Test func anAutomaticRepairIsComingUntilItIsQueued() async {
        let keeper = await Self.available()
        #expect(await keeper.state(of: "m") == .available)
        await Self.findDamage(in: keeper, by: .watch)
        #expect(await keeper.availability(of: "m").fetchComing, "auto_repair decided it")
        #expect(await keeper.takeAutomaticWork().map(\.model) == ["m"])
        #expect(await keeper.availability(of: "m").fetchComing, "taken, not queued yet")
        await keeper.automaticWorkHandled("m")
        #expect(await !keeper.availability(of: "m").fetchComing)
    }

    @Test func damageKnownBeforeADownloadAndFoundAgainDuringItIsTheDownloadsToMend() async {
        let keeper = await Self.keeper()
        await Self.findDamage(in: keeper, by: .watch)
        await keeper.downloadChanged("m", DownloadRecord(phase: .running, repairing: true, priority: .normal, bytesDone: 0, bytesTotal: 4))
        // A rescan (or a scrub) finds the same damage while the repair runs; then the repair is cancelled.
        await Self.findDamage(in: keeper, by: .scrub)
        _ = await keeper.takeAutomaticWork()
        await keeper.downloadChanged("m", nil)
        #expect(await keeper.takeAutomaticWork().isEmpty, "a person's cancel is not undone by itself")
    }

    @Test func aVerdictOnAnotherManifestsFileOfThatPathIsDropped() async {
        let keeper = await Self.keeper()
        await keeper.published(Self.file, of: "m")
        // A check of the file an update has since replaced (another digest, the same path).
        let old = ManifestFile(path: Self.file.path, size: 4, digest: .sha256(String(repeating: "b", count: 64)))
        await keeper.record(Self.damage, for: old, of: "m", source: .scrub, checkBegan: await keeper.checkTicket())
        #expect(await keeper.integrity(of: "m")?[Self.file.path] == .verified(.full))
    }

    @Test func workDecidedBeforeAReloadThatReplacesTheEntryIsDropped() async {
        let keeper = await Self.available()
        await Self.findDamage(in: keeper, by: .watch)
        // Removed and added again before the auto-fetcher took the work: a new entry, checked anew.
        _ = await keeper.reconfigure(ModeldConfig())
        _ = await keeper.reconfigure(Self.config)
        #expect(await !keeper.availability(of: "m").fetchComing)
        #expect(await keeper.takeAutomaticWork().isEmpty)
    }

    @Test func workForAModelThatLeftTheCatalogIsNotComingEver() async {
        let keeper = await Self.available()
        await Self.findDamage(in: keeper, by: .watch)
        _ = await keeper.reconfigure(ModeldConfig())
        #expect(await keeper.takeAutomaticWork().isEmpty)
        // Back in the catalog later: nothing is "coming" that nobody will queue.
        _ = await keeper.reconfigure(Self.config)
        #expect(await !keeper.availability(of: "m").fetchComing)
    }
}
