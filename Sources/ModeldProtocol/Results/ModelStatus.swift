import Foundation
import ModeldCore

/// One model in `status`, as PROTOCOL.md shows it. Fields a later part of the daemon
/// fills (files, download, verify, update, usage) are absent until it does.
public struct ModelStatus: Codable, Sendable, Equatable {
    public var model: String
    public var repo: String
    public var revision: String
    public var commit: String?
    public var state: ModelState
    public var ready: Bool
    /// The stable path a generation service passes as `--ckpt_dir`.
    public var path: String
    public var sizeBytes: Int64?
    public var presentBytes: Int64?
    public var pinned: Bool
    /// Whether the model fits the largest GPU here (`min_vram_gb`); nil while the GPUs
    /// are not known.
    public var fitsVRAM: Bool?
    /// Why the model is in this state, in a few words.
    public var reason: String?
    /// What is known of each file, once the manifest is known.
    public var files: Files?
    /// The share of files verified, 0…1.
    public var integrity: Double?
    public var verify: Verification?
    /// While a download or repair is queued, running, paused or failed.
    public var download: DownloadStatus?
    /// What the last check for a new revision found; nil for a model pinned to a commit.
    public var update: UpdateStatus?
    /// The commits generations hold leases on, when any: an update leaves them untouched.
    public var leasedCommits: [String]?
    /// How much the model is used, once the daemon counts uses (`usage` has the rest).
    public var usage: UsageLine?
    public var actions: [Action]

    public init(
        model: String, repo: String, revision: String, commit: String? = nil, state: ModelState, ready: Bool,
        path: String, sizeBytes: Int64? = nil, presentBytes: Int64? = nil, pinned: Bool, reason: String? = nil,
        usage: UsageLine? = nil, actions: [Action] = []
    ) {
        self.model = model
        self.repo = repo
        self.revision = revision
        self.commit = commit
        self.state = state
        self.ready = ready
        self.path = path
        self.sizeBytes = sizeBytes
        self.presentBytes = presentBytes
        self.pinned = pinned
        self.reason = reason
        self.usage = usage
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey {
        case model, repo, revision, commit, state, ready, path, sizeBytes = "size_bytes"
        case presentBytes = "present_bytes", pinned, fitsVRAM = "fits_vram", reason, files, integrity, verify, download, update
        case leasedCommits = "leased_commits", usage, actions
    }

    /// `files`: counts, and the names of what is missing or damaged.
    public struct Files: Codable, Sendable, Equatable {
        public var total: Int
        public var verified: Int
        public var missing: [String]
        public var corrupted: [Damage]

        public init(total: Int, verified: Int, missing: [String], corrupted: [Damage]) {
            self.total = total
            self.verified = verified
            self.missing = missing
            self.corrupted = corrupted
        }
    }

    /// A damaged file: where, and why.
    public struct Damage: Codable, Sendable, Equatable {
        public var path: String
        public var damagedRanges: [ByteRange]
        public var reason: String

        public init(path: String, damagedRanges: [ByteRange], reason: String) {
            self.path = path
            self.damagedRanges = damagedRanges
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey { case path, damagedRanges = "damaged_ranges", reason }
    }

    /// `verify`: the last complete verification, and the one under way.
    public struct Verification: Codable, Sendable, Equatable {
        public var last: Date?
        /// How most files were found good last time: `stat`, `chunks` or `full`.
        public var method: VerifyMethod?
        /// 0…1 while a verification runs.
        public var progress: Double?
        /// Changes the watcher saw (a file each, or the whole model once) that wait for
        /// their check: `acquire` hands the model out only once they are checked. Absent
        /// from daemons older than this field.
        public var pendingChanges: Int?

        public init(last: Date?, method: VerifyMethod?, progress: Double?, pendingChanges: Int? = 0) {
            self.last = last
            self.method = method
            self.progress = progress
            self.pendingChanges = pendingChanges
        }

        enum CodingKeys: String, CodingKey { case last, method, progress, pendingChanges = "pending_changes" }
    }

    /// Something a person can do about the model, with the reason to do it.
    public struct Action: Codable, Sendable, Equatable {
        public var command: String
        public var why: String
        public init(command: String, why: String) {
            self.command = command
            self.why = why
        }
    }
}
