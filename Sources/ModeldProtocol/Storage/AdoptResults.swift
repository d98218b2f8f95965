import Foundation
import ModeldCore

/// How `adopt` brings a verified file into the store.
public enum AdoptMode: String, Codable, Sendable, CaseIterable {
    /// A hard link: no byte moves and the folder keeps working (same filesystem only).
    case link
    /// A rename: the file leaves the folder (same filesystem only).
    case move
    /// A reflink where the filesystem can, else a copy: the folder is untouched.
    case copy
}

/// `adopt`: a folder other tools made, for one model (`model`, `path`, `mode`), or, with
/// `scan`, every folder under `path` that holds a catalog model.
public struct AdoptArguments: Codable, Sendable, Equatable {
    public var model: String?
    /// Absolute.
    public var path: String
    /// Nil: a link when the folder is on the store's filesystem, else a copy.
    public var mode: AdoptMode?
    public var scan: Bool?

    public init(model: String? = nil, path: String, mode: AdoptMode? = nil, scan: Bool? = nil) {
        self.model = model
        self.path = path
        self.mode = mode
        self.scan = scan
    }
}

/// A file and what about it.
public struct AdoptFileNote: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// `adopt`'s answer, at once, from the folder's listing: what will be hashed and what the
/// hub must send. The work goes on in the daemon: `adopt.progress`, then `adopt.done`.
public struct AdoptPlanResult: Codable, Sendable, Equatable {
    public var model: String
    public var path: String
    public var commit: String
    /// What named the commit: `local-dir metadata`, `the store` or `the catalog`.
    public var commitFrom: String
    public var mode: AdoptMode
    /// Files of the right size, to be hashed and adopted if they match.
    public var filesToCheck: Int
    public var bytesToCheck: Int64
    /// Files that will be fetched once the rest is adopted.
    public var toFetch: [AdoptFileNote]
    /// Files in the folder that are not the model's (left alone), the first hundred.
    public var extra: [String]
    public var extraCount: Int

    public init(
        model: String, path: String, commit: String, commitFrom: String, mode: AdoptMode, filesToCheck: Int, bytesToCheck: Int64,
        toFetch: [AdoptFileNote], extra: [String], extraCount: Int
    ) {
        self.model = model
        self.path = path
        self.commit = commit
        self.commitFrom = commitFrom
        self.mode = mode
        self.filesToCheck = filesToCheck
        self.bytesToCheck = bytesToCheck
        self.toFetch = toFetch
        self.extra = extra
        self.extraCount = extraCount
    }

    enum CodingKeys: String, CodingKey {
        case model, path, commit, commitFrom = "commit_from", mode, filesToCheck = "files_to_check", bytesToCheck = "bytes_to_check"
        case toFetch = "to_fetch", extra, extraCount = "extra_count"
    }
}

/// `adopt.done`: what came in, how, and what the hub must still send.
public struct AdoptReport: Codable, Sendable, Equatable {
    public var model: String
    public var commit: String
    public var mode: AdoptMode
    /// Files brought in by each way, and those the store had verified already.
    public var linked = 0
    public var moved = 0
    public var copied = 0
    public var alreadyStored = 0
    /// Verified bytes that came in without the network.
    public var bytesAdopted: Int64 = 0
    /// Queued for download (missing, damaged, a git-lfs pointer…), each with why.
    public var fetching: [AdoptFileNote] = []
    public var bytesToFetch: Int64 = 0
    /// Set when the adoption stopped early; what was adopted by then stays adopted.
    public var error: ProtocolError?

    public init(model: String, commit: String, mode: AdoptMode) {
        self.model = model
        self.commit = commit
        self.mode = mode
    }

    public var adopted: Int { linked + moved + copied + alreadyStored }

    enum CodingKeys: String, CodingKey {
        case model, commit, mode, linked, moved, copied, alreadyStored = "already_stored", bytesAdopted = "bytes_adopted"
        case fetching, bytesToFetch = "bytes_to_fetch", error
    }
}

/// `adopt` with `scan`: the folders under `path` that hold most of a catalog model.
public struct AdoptScanResult: Codable, Sendable, Equatable {
    public struct Found: Codable, Sendable, Equatable {
        public var model: String
        public var folder: String
        public var files: Int
        public var matchedFiles: Int
        public var bytes: Int64
        public var matchedBytes: Int64
        /// The command that adopts it.
        public var command: String

        public init(model: String, folder: String, files: Int, matchedFiles: Int, bytes: Int64, matchedBytes: Int64, command: String) {
            self.model = model
            self.folder = folder
            self.files = files
            self.matchedFiles = matchedFiles
            self.bytes = bytes
            self.matchedBytes = matchedBytes
            self.command = command
        }

        enum CodingKeys: String, CodingKey {
            case model, folder, files, matchedFiles = "matched_files", bytes, matchedBytes = "matched_bytes", command
        }
    }

    public var path: String
    public var found: [Found]
    /// Catalog models whose file list could not be had, with why: not looked for.
    public var unchecked: [AdoptFileNote]
    /// The folder had more entries than a scan lists.
    public var truncated: Bool

    public init(path: String, found: [Found], unchecked: [AdoptFileNote], truncated: Bool) {
        self.path = path
        self.found = found
        self.unchecked = unchecked
        self.truncated = truncated
    }
}
