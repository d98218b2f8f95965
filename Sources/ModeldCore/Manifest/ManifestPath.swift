/// A path from a manifest, checked before it touches the file system: manifests come
/// from the network and are untrusted. Only plain relative paths inside the snapshot
/// pass — no absolute path, `..`, `.`, empty segment, NUL, backslash or control character.
public enum ManifestPath {
    public static func validate(_ path: String) throws(ManifestError) -> String {
        func reject(_ why: String) -> ManifestError { .unsafePath(path: path, reason: why) }
        guard !path.isEmpty else { throw reject("it is empty") }
        guard path.utf8.count <= 4096 else { throw reject("it is longer than 4096 bytes") }
        guard !path.hasPrefix("/") else { throw reject("it is absolute") }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw reject("it contains a NUL or control character")
        }
        guard !path.contains("\\") else { throw reject("it contains a backslash") }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": throw reject("it has an empty segment")
            case ".", "..": throw reject("it has a '\(segment)' segment")
            default: guard segment.utf8.count <= 255 else { throw reject("a segment is longer than 255 bytes") }
            }
        }
        return path
    }
}
