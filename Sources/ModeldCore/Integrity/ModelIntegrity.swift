/// A model's files and what is known of each; from it, the model's state, its integrity
/// figure and what a person should do. Pure: the Keeper owns one per model.
public struct ModelIntegrity: Sendable, Equatable {
    public var manifest: Manifest
    public private(set) var conditions: [String: FileCondition]

    public init(manifest: Manifest) {
        self.manifest = manifest
        // A manifest never holds a path twice (the parser refuses it); keep the first anyway.
        conditions = Dictionary(manifest.files.map { ($0.path, FileCondition.unchecked) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(path: String) -> FileCondition? {
        get { conditions[path] }
        set {
            guard conditions[path] != nil, let newValue else { return }
            conditions[path] = newValue
        }
    }

    public var verifiedCount: Int { conditions.values.filter(\.isVerified).count }

    /// Paths absent from the store, in manifest order.
    public var missing: [String] { manifest.files.map(\.path).filter { conditions[$0] == .missing } }

    /// Damaged files with their ranges, in manifest order.
    public var corrupted: [(path: String, ranges: [ByteRange], reason: String)] {
        manifest.files.compactMap { file in
            guard case .corrupted(let ranges, let reason) = conditions[file.path] else { return nil }
            return (file.path, ranges, reason)
        }
    }

    /// Bytes of the files verified so far.
    public var verifiedBytes: Int64 {
        manifest.files.filter { conditions[$0.path]?.isVerified == true }.reduce(0) { $0 + $1.size }
    }

    /// The share of files verified, 0…1 (1 for a model with no files).
    public var integrity: Double {
        manifest.files.isEmpty ? 1 : Double(verifiedCount) / Double(manifest.files.count)
    }

    /// Files that could not be checked, with why, in manifest order.
    public var unverifiable: [(path: String, reason: String)] {
        manifest.files.compactMap { file in
            guard case .unverifiable(let reason) = conditions[file.path] else { return nil }
            return (file.path, reason)
        }
    }

    /// Damage outranks absence, absence outranks "could not check", which outranks
    /// "not looked at yet".
    public var state: ModelState {
        if !corrupted.isEmpty { return .corrupted }
        if !missing.isEmpty { return .missing }
        if !unverifiable.isEmpty { return .unknown }
        if conditions.values.contains(.unchecked) { return .verifying }
        return .available
    }

    /// A short reason for the state, for `status` and the `model.state` event.
    public var reason: String {
        switch state {
        case .corrupted:
            let damaged = corrupted
            return damaged.count == 1 ? "\(damaged[0].path) is damaged: \(damaged[0].reason)" : "\(damaged.count) files damaged"
        case .missing:
            let absent = missing
            return absent.count == manifest.files.count ? "not downloaded" : "\(absent.count) of \(manifest.files.count) files missing"
        case .unknown:
            let first = unverifiable[0]
            return "cannot check \(first.path): \(first.reason)"
        case .verifying: return "verifying \(conditions.values.filter { $0 == .unchecked }.count) files"
        default: return "all \(manifest.files.count) files verified"
        }
    }

    /// What a person can run about it.
    public func actions(model: String) -> [(command: String, why: String)] {
        var actions: [(String, String)] = []
        let damaged = corrupted.count
        if damaged > 0 { actions.append(("modelctl repair \(model)", "\(damaged) file\(damaged == 1 ? "" : "s") damaged")) }
        let absent = missing.count
        if absent > 0 { actions.append(("modelctl pull \(model)", "\(absent) file\(absent == 1 ? "" : "s") missing")) }
        return actions
    }
}
