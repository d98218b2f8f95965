import Foundation
import Glibc
import ModeldCore

/// Reads just enough of a `.safetensors` file to check its structure: the 8-byte header
/// length and the JSON header. Catches truncation before any hashing.
public enum SafetensorsFile {
    /// The problem with the file's structure, or nil when it is sound. Blocking.
    public static func problem(at path: String) throws(SystemError) -> StructureProblem? {
        let fd = try syscall("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        try syscall("fstat(\(path))") { fstat(fd, &info) }
        let size = Int64(info.st_size)
        let length: UInt64
        do {
            length = try SafetensorsHeader.headerLength(prefix: try read(fd, count: SafetensorsHeader.prefixLength, at: 0, path: path))
        } catch let problem as StructureProblem {
            return problem
        } catch {
            throw error as? SystemError ?? SystemError("read(\(path))", errno: EIO)
        }
        guard Int64(length) + 8 <= size else { return .headerBeyondFile(headerLength: length, fileSize: size) }
        let json = try read(fd, count: Int(length), at: 8, path: path)
        do {
            _ = try SafetensorsHeader.parse(headerJSON: Data(json), headerLength: length, fileSize: size)
            return nil
        } catch {
            return error
        }
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    private static func read(_ fd: Int32, count: Int, at offset: Int64, path: String) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = try syscall("pread(\(path))") {
                bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done)) }
            }
            if got == 0 { break }
            done += got
        }
        return Array(bytes[..<done])
    }
}
