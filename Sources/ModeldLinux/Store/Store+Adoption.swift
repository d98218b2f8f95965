import Foundation
import Glibc
import ModeldCore

/// `adopt`: a file from a folder outside the store, already verified against the
/// manifest, becomes the blob of that file without a byte moving. Blocking.
extension Store {
    /// A hard link: the folder keeps its file, and both names are one file from now on.
    public func linkBlob(from source: String, as file: ManifestFile, repo: String) throws(SystemError) {
        try AtomicFile.hardLink(source, at: noting(layout.blob(repo, file.digest)))
    }

    /// A rename: the file leaves the folder. Never unlinks `source` otherwise: a rename
    /// that fails leaves it where it was.
    public func moveBlob(from source: String, as file: ManifestFile, repo: String) throws(SystemError) {
        let blob = noting(layout.blob(repo, file.digest))
        let folder = try AtomicFile.makeFolder(containing: blob)
        try syscall("rename(\(source))") { rename(source, blob) }
        try AtomicFile.syncFolder(folder)
        try AtomicFile.syncFolder((source as NSString).deletingLastPathComponent)
    }

    /// The device of `path`, followed if a link: a hard link or a rename into the store
    /// works only on the store's own.
    public static func device(of path: String) throws(SystemError) -> UInt64 {
        var info = stat()
        try syscall("stat(\(path))") { stat(path, &info) }
        return UInt64(info.st_dev)
    }
}
