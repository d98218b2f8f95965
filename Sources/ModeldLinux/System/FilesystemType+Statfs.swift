import CModeldLinux
import ModeldCore

extension FilesystemType {
    /// The filesystem that holds `path` (`statfs(2)`'s `f_type`).
    public static func of(_ path: String) throws(SystemError) -> FilesystemType {
        var magic: UInt = 0
        try syscall("statfs(\(path))") { modeld_filesystem_magic(path, &magic) }
        return FilesystemType(magic: magic)
    }
}
