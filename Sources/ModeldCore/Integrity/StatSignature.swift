/// What `stat(2)` says of a file, recorded at its last good verification: a file whose
/// signature is unchanged is trusted without reading it (as git's index and Syncthing do).
public struct StatSignature: Sendable, Hashable, Codable {
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var changedNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64

    public init(size: Int64, modifiedNanoseconds: Int64, changedNanoseconds: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.changedNanoseconds = changedNanoseconds
        self.inode = inode
        self.device = device
    }
}
