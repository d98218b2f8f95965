/// A model's files and what is known of each; from it, the model's state, its integrity
/// figure and what a person should do. Pure: the Keeper owns one per model.
public struct ModelIntegrity: Sendable, Equatable {
    public private(set) var manifest: Manifest
    public private(set) var conditions: [String: FileCondition]
    /// Each file by path: its size for `tally`, its digest for `file(at:)`.
    private let files: [String: ManifestFile]
    /// How many files are in each condition, kept as conditions change: `status` and the
    /// state read them on every request and every file checked, and walking 10,000 files
    /// each time cost `status` 20 ms (issue 17).
    private var tally = Tally()

    private struct Tally: Sendable, Equatable {
        var verified = 0, verifiedBytes: Int64 = 0, unchecked = 0, missing = 0, corrupted = 0, unverifiable = 0

        mutating func count(_ condition: FileCondition, size: Int64, _ sign: Int) {
            switch condition {
            case .unchecked: unchecked += sign
            case .verified: verified += sign; verifiedBytes += Int64(sign) * size
            case .missing: missing += sign
            case .corrupted: corrupted += sign
            case .unverifiable: unverifiable += sign
            }
        }
    }

    public init(manifest: Manifest) {
        self.manifest = manifest
        // A manifest never holds a path twice (the parser refuses it); keep the first anyway.
        conditions = Dictionary(manifest.files.map { ($0.path, FileCondition.unchecked) }, uniquingKeysWith: { first, _ in first })
        files = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        tally.unchecked = conditions.count
    }

    public subscript(path: String) -> FileCondition? {
        get { conditions[path] }
        set {
            guard let old = conditions[path], let newValue else { return }
            let size = files[path]?.size ?? 0
            tally.count(old, size: size, -1)
            conditions[path] = newValue
            tally.count(newValue, size: size, 1)
        }
    }

    public var verifiedCount: Int { tally.verified }

    /// The manifest's file at `path`.
    public func file(at path: String) -> ManifestFile? { files[path] }

    /// Paths absent from the store, in manifest order.
    public var missing: [String] { tally.missing == 0 ? [] : manifest.files.map(\.path).filter { conditions[$0] == .missing } }

    /// Damaged files with their ranges, in manifest order.
    public var corrupted: [(path: String, ranges: [ByteRange], reason: String)] {
        guard tally.corrupted > 0 else { return [] }
        return manifest.files.compactMap { file in
            guard case .corrupted(let ranges, let reason) = conditions[file.path] else { return nil }
            return (file.path, ranges, reason)
        }
    }

    /// Bytes of the files verified so far.
    public var verifiedBytes: Int64 { tally.verifiedBytes }

    /// The share of files verified, 0…1 (1 for a model with no files).
    public var integrity: Double {
        manifest.files.isEmpty ? 1 : Double(verifiedCount) / Double(manifest.files.count)
    }

    /// Files that could not be checked, with why, in manifest order.
    public var unverifiable: [(path: String, reason: String)] {
        guard tally.unverifiable > 0 else { return [] }
        return manifest.files.compactMap { file in
            guard case .unverifiable(let reason) = conditions[file.path] else { return nil }
            return (file.path, reason)
        }
    }

    /// Damage outranks absence, absence outranks "could not check", which outranks
    /// "not looked at yet".
    public var state: ModelState {
        if tally.corrupted > 0 { return .corrupted }
        if tally.missing > 0 { return .missing }
        if tally.unverifiable > 0 { return .unknown }
        if tally.unchecked > 0 { return .verifying }
        return .available
    }

    /// A short reason for the state, for `status` and the `model.state` event.
    public var reason: String {
        switch state {
        case .corrupted:
            let damaged = corrupted
            return damaged.count == 1 ? "\(damaged[0].path) is damaged: \(damaged[0].reason)" : "\(damaged.count) files damaged"
        case .missing:
            return absence ?? ""
        case .unknown:
            let first = unverifiable[0]
            return "cannot check \(first.path): \(first.reason)"
        case .verifying: return "verifying \(tally.unchecked) files"
        default: return "all \(manifest.files.count) files verified"
        }
    }

    /// "not downloaded" or "2 of 12 files missing"; nil when no file is missing.
    public var absence: String? {
        let absent = tally.missing
        guard absent > 0 else { return nil }
        return absent == manifest.files.count ? "not downloaded" : "\(absent) of \(manifest.files.count) files missing"
    }

    /// What a person can run about it.
    public func actions(model: String) -> [(command: String, why: String)] {
        var actions: [(String, String)] = []
        let damaged = tally.corrupted
        if damaged > 0 { actions.append(("modelctl repair \(model)", "\(damaged) file\(damaged == 1 ? "" : "s") damaged")) }
        let absent = tally.missing
        if absent > 0 { actions.append(("modelctl pull \(model)", "\(absent) file\(absent == 1 ? "" : "s") missing")) }
        return actions
    }
}
