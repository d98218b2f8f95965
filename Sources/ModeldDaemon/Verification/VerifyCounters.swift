import Synchronization

/// What verification did, for `metrics`: bytes hashed (so a test can prove unchanged
/// files were not read) and files found good.
final class VerifyCounters: Sendable {
    private let hashed = Atomic<Int64>(0)
    private let verified = Atomic<Int64>(0)

    func addHashed(_ bytes: Int64) { hashed.wrappingAdd(bytes, ordering: .relaxed) }
    func addVerified(_ files: Int = 1) { verified.wrappingAdd(Int64(files), ordering: .relaxed) }

    var bytesHashed: Int64 { hashed.load(ordering: .relaxed) }
    var filesVerified: Int64 { verified.load(ordering: .relaxed) }
}
