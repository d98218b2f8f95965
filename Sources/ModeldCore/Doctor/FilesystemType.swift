/// A filesystem by its `statfs(2)` magic number (`f_type`, linux/magic.h), and what that
/// means for a store on it.
public struct FilesystemType: Sendable, Equatable, CustomStringConvertible {
    public var magic: UInt

    public init(magic: UInt) { self.magic = magic }

    private static let names: [UInt: String] = [
        0xEF53: "ext4", 0x5846_5342: "xfs", 0x9123_683E: "btrfs", 0x2FC1_2FC1: "zfs", 0xF2F5_2010: "f2fs",
        0xCA45_1A4E: "bcachefs", 0x0102_1994: "tmpfs", 0x8584_58F6: "ramfs", 0x794C_7630: "overlay",
        0x7371_7368: "squashfs", 0x6969: "nfs", 0xFF53_4D42: "cifs", 0xFE53_4D42: "smb2", 0x6573_5546: "fuse",
        0x0102_1997: "9p", 0x00C3_6400: "ceph", 0x4D44: "vfat", 0x2011_BAB0: "exfat", 0x5346_544E: "ntfs",
    ]

    /// The usual name (ext2 and ext3 share ext4's number), or nil for one not in the table.
    public var name: String? { Self.names[magic] }

    public var description: String { name ?? "type 0x" + String(magic, radix: 16) }

    /// Gone at reboot: every model would be downloaded again.
    public var isVolatile: Bool { ["tmpfs", "ramfs"].contains(name) }

    /// Changes made by another machine (or behind FUSE) raise no inotify event here.
    public var isRemote: Bool { ["nfs", "cifs", "smb2", "fuse", "9p", "ceph"].contains(name) }
}
