/// `verify`'s arguments: one model or all; `deep` re-reads every byte.
public struct VerifyArguments: Codable, Sendable {
    public var model: String?
    public var deep: Bool?
    public init(model: String? = nil, deep: Bool? = nil) {
        self.model = model
        self.deep = deep
    }
}

/// `verify`'s result: the verifications started (they report through events and status).
public struct VerifyResult: Codable, Sendable, Equatable {
    public var models: [String]
    public var deep: Bool
    public init(models: [String], deep: Bool) {
        self.models = models
        self.deep = deep
    }
}

/// Who found a problem, or recorded a file good: the watcher, a scheduled scrub, a `verify`
/// (or the start-up check), or a download's own final check of the files it leaves (an
/// adoption's files are recorded this way too).
public enum IntegritySource: String, Codable, Sendable {
    case watch, scrub, verify, download
}
