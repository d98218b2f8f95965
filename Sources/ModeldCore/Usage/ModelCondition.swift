/// What the daemon knows about a model's files, revisions and disk when it judges the
/// model's performance: the usual suspects for a slowdown.
public struct ModelCondition: Sendable, Equatable {
    public var damagedFiles: Int
    public var missingFiles: Int
    /// Files not verified since they last changed.
    public var unverifiedFiles: Int
    public var currentCommit: String?
    /// The commit a rollback would return to; nil when there is none.
    public var previousCommit: String?
    /// The store's filesystem is below its free-space reserve.
    public var diskLow: Bool

    public init(
        damagedFiles: Int = 0, missingFiles: Int = 0, unverifiedFiles: Int = 0, currentCommit: String? = nil,
        previousCommit: String? = nil, diskLow: Bool = false
    ) {
        self.damagedFiles = damagedFiles
        self.missingFiles = missingFiles
        self.unverifiedFiles = unverifiedFiles
        self.currentCommit = currentCommit
        self.previousCommit = previousCommit
        self.diskLow = diskLow
    }
}
