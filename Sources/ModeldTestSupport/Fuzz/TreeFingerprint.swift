import Foundation
import Glibc

/// What a folder holds, down to the bytes: every entry by relative path, with a file's
/// SHA-256, a link's target or `dir`. Two equal fingerprints mean nothing in it was
/// added, removed, retargeted or rewritten. Links are not followed.
public enum TreeFingerprint {
    public static func of(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw TestSupportError("cannot list \(root)")
        }
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { throw TestSupportError("lstat(\(path)): \(String(cString: strerror(errno)))") }
            switch info.st_mode & S_IFMT {
            case S_IFLNK: result[relative] = "link " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
            case S_IFDIR: result[relative] = "dir"
            case S_IFREG:
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                result[relative] = "file \(TestDigests.sha256(Array(bytes)))"
            default: result[relative] = "mode \(String(info.st_mode, radix: 8))"
            }
        }
        return result
    }

    /// The names in `folder` (not recursive) that start with `prefix`.
    public static func entries(in folder: String, startingWith prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }
}
