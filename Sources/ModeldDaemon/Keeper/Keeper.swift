import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// The one owner of every model's state. Workers report facts to it; it decides with
/// pure functions from ModeldCore and tells subscribers what changed. Nothing else
/// mutates model state.
actor Keeper {
    private(set) var config: ModeldConfig
    private var models: [String: ModelRecord] = [:]
    private let events: EventBus
    private let logger: Logger

    /// What the Keeper knows of one model beyond its catalog entry.
    struct ModelRecord {
        var state: ModelState = .unknown
        var reason = "not checked yet"
    }

    init(config: ModeldConfig, events: EventBus, logger: Logger) {
        self.config = config
        self.events = events
        self.logger = logger
        for model in config.models { models[model.id] = ModelRecord() }
    }

    /// Answers as soon as the actor is free: the watchdog's proof that the Keeper is not stuck.
    func ping() {}

    /// The status of every model, or of one (`unknown_model` with a suggestion otherwise).
    func status(of id: String?) throws(ProtocolError) -> StatusResult {
        let chosen = try id.map { id throws(ProtocolError) in [try catalogModel(id)] } ?? config.models
        let store = config.daemon.storeDir
        return StatusResult(
            models: chosen.map(status),
            store: .init(path: store, freeBytes: try? DiskSpace.of(store).availableBytes),
            downloads: .init(bytesPerSecond: config.downloads.bytesPerSecond.bytes, active: 0))
    }

    /// `STATUS=` for systemd: "3 models: 1 available, 2 missing".
    func summary() -> String {
        StateSummary.line(config.models.compactMap { models[$0.id]?.state })
    }

    /// Model counts by state, for metrics.
    func stateCounts() -> [ModelState: Int] {
        Dictionary(models.values.map { ($0.state, 1) }, uniquingKeysWith: +)
    }

    /// Takes a new configuration; returns the keys that changed. Models new to the
    /// catalog start `unknown`; models gone from it are forgotten (their files stay).
    func reconfigure(_ new: ModeldConfig) -> [String] {
        let changed = ConfigDiff.changedKeys(from: config, to: new)
        config = new
        let ids = Set(new.models.map(\.id))
        models = models.filter { ids.contains($0.key) }
        for id in ids where models[id] == nil { models[id] = ModelRecord() }
        if !changed.isEmpty { events.publish(Event(.configReloaded(changed: changed))) }
        return changed
    }

    func catalogModel(_ id: String) throws(ProtocolError) -> CatalogModel {
        if let model = config.model(id) { return model }
        let ids = config.models.map(\.id)
        let guess = ModelNameSuggester.suggestion(for: id, among: ids)
        throw ProtocolError(
            .unknownModel, "no model '\(id)' in the catalog",
            hint: "modelctl status lists the models" + (guess.map { "; did you mean \($0)?" } ?? ""))
    }

    private func status(_ model: CatalogModel) -> ModelStatus {
        let record = models[model.id] ?? ModelRecord()
        return ModelStatus(
            model: model.id, repo: model.repo, revision: model.revision,
            commit: model.pinsCommit ? model.revision : nil,
            state: record.state, ready: record.state == .available,
            path: (config.daemon.linksDir as NSString).appendingPathComponent(model.id),
            sizeBytes: model.approxSize?.bytes, pinned: model.keep, reason: record.reason)
    }

    /// Moves a model to `state`, telling subscribers and the log why.
    func transition(_ id: String, to state: ModelState, reason: String) {
        guard var record = models[id], record.state != state || record.reason != reason else { return }
        let from = record.state
        record.state = state
        record.reason = reason
        models[id] = record
        logger.info("\(id): \(from.rawValue) → \(state.rawValue): \(reason)", metadata: ["model": "\(id)"])
        events.publish(Event(.modelState(model: id, from: from, to: state, reason: reason)))
    }
}
