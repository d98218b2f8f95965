import Logging
import ModeldCore
import ModeldProtocol
import Testing

@testable import ModeldDaemon

/// A check's answer says something of the commit the model follows when the answer lands,
/// not of the one it followed when the check began.
@Suite struct KeeperUpdateCheckTests {
    static let file = ManifestFile(path: "w.safetensors", size: 4, digest: .sha256(String(repeating: "a", count: 64)))
    static let changed = ManifestFile(path: "w.safetensors", size: 4, digest: .sha256(String(repeating: "b", count: 64)))
    static let old = Manifest(repo: "org/m", commit: String(repeating: "1", count: 40), files: [file])
    static let new = Manifest(repo: "org/m", commit: String(repeating: "2", count: 40), files: [changed])

    static func keeper() async -> Keeper {
        var config = ModeldConfig()
        config.models = [CatalogModel(id: "m", repo: "org/m")]
        let keeper = Keeper(config: config, events: EventBus(), logger: Logger(label: "test"))
        await keeper.adopt(old, for: "m")
        return keeper
    }

    @Test func aCheckPricedBeforeTheSwitchDoesNotOfferTheCommitSwitchedTo() async {
        let keeper = await Self.keeper()
        // The check reads the current commit and the hub's; the update switches meanwhile.
        let plan = UpdatePlan(from: Self.old, to: Self.new) { _ in false }
        await keeper.switchRevision("m", to: Self.new, because: "updated")
        #expect(await keeper.updateChecked("m", latest: Self.new.commit, plan: plan, fits: true) == false)
        #expect(await keeper.updateRecord(of: "m")?.available == false)
    }

    @Test func aCheckOfTheCommitFollowedOffersTheUpdateOnce() async {
        let keeper = await Self.keeper()
        let plan = UpdatePlan(from: Self.old, to: Self.new) { _ in false }
        #expect(await keeper.updateChecked("m", latest: Self.new.commit, plan: plan, fits: true))
        #expect(await keeper.updateChecked("m", latest: Self.new.commit, plan: plan, fits: true) == false, "announced once")
        #expect(await keeper.updateRecord(of: "m")?.available == true)
    }
}
