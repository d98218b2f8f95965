import Foundation

/// A promise to a generation service: the files of `model` at `commit` stay where they
/// are (no eviction, garbage collection or update swap) until it is released or the
/// connection that took it closes.
struct Lease: Sendable, Equatable {
    var id: String
    var model: String
    /// The model's repository: with `commit`, where the leased snapshot is.
    var repo: String
    var commit: String
    /// The control connection that took it; it ends with that connection.
    var connection: UInt64?
    var since: Date
    var started: ContinuousClock.Instant

    var heldSeconds: Double { (ContinuousClock.now - started).inSeconds }
}

/// The leases in force. Owned by the Keeper.
struct LeaseBook {
    private var leases: [String: Lease] = [:]

    mutating func grant(model: String, repo: String, commit: String, connection: UInt64?) -> Lease {
        // Unguessable, so a lease cannot be released by a client that was not given it.
        let id = "lease-" + (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max)) }.joined()
        let lease = Lease(id: id, model: model, repo: repo, commit: commit, connection: connection, since: Date(), started: .now)
        leases[id] = lease
        return lease
    }

    mutating func end(_ id: String) -> Lease? { leases.removeValue(forKey: id) }

    mutating func endAll(heldBy connection: UInt64) -> [Lease] {
        let held = leases.values.filter { $0.connection == connection }
        for lease in held { leases[lease.id] = nil }
        return held
    }

    func count(on model: String) -> Int { leases.values.count { $0.model == model } }

    /// Leases in force, of every model.
    var count: Int { leases.count }

    /// The commits the leases on `model` hold.
    func commits(on model: String) -> Set<String> { Set(leases.values.filter { $0.model == model }.map(\.commit)) }
}
