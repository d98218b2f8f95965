import Foundation

/// `trees/<commit>.json` in huggingface_hub's own format (its `_tree_cache.py`, format 1):
/// huggingface_hub 2.x reads that file to skip the hub's tree request, and fails on any
/// other shape, so the listing modeld keeps there is written the way it writes it, and
/// read back from it:
///
/// ```json
/// {"format_version": 1,
///  "files": {"config.json": {"size": 519, "blob_id": "<git sha1>"},
///            "a.safetensors": {"size": 9, "blob_id": "…", "lfs_sha256": "…", "lfs_size": 9}}}
/// ```
public enum TreeCache {
    public static let formatVersion = 1

    struct Listing: Codable {
        var formatVersion: Int
        var files: [String: Entry]

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version", files
        }
    }

    struct Entry: Codable {
        var size: Int64
        var blobID: String
        var lfsSHA256: String?
        var lfsSize: Int64?
        var xetHash: String?

        enum CodingKeys: String, CodingKey {
            case size, blobID = "blob_id", lfsSHA256 = "lfs_sha256", lfsSize = "lfs_size", xetHash = "xet_hash"
        }
    }

    /// The cache file for the hub's tree entries (every page's, as one JSON array).
    public static func listing(fromHubEntries body: Data) throws(ManifestError) -> Data {
        let entries: [HubTreeEntry]
        do {
            entries = try JSONDecoder().decode([HubTreeEntry].self, from: body)
        } catch {
            throw .malformed("the tree listing is not a list of entries: \(error)")
        }
        var files: [String: Entry] = [:]
        for entry in entries where entry.type == "file" {
            let lfsSHA = entry.lfs.flatMap { $0.oid ?? $0.sha256 }
            // An LFS file is known by its SHA-256; its pointer's git id, which some mirrors
            // leave out, only names the pointer. A regular file is known by its git id.
            guard let size = entry.size ?? entry.lfs?.size, let oid = entry.oid ?? (lfsSHA == nil ? nil : "") else {
                throw .malformed("\(entry.path) has no oid or size")
            }
            files[entry.path] = Entry(
                size: size, blobID: oid, lfsSHA256: lfsSHA, lfsSize: lfsSHA == nil ? nil : entry.lfs?.size ?? size,
                // huggingface_hub drops a listing with a malformed Xet hash: pass on only good ones.
                xetHash: entry.xetHash.flatMap { Hex.isHex($0, count: 64) ? $0 : nil })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            return try encoder.encode(Listing(formatVersion: formatVersion, files: files))
        } catch {
            throw .malformed("the tree listing cannot be written: \(error)")
        }
    }

    /// The manifest's files from a kept listing: huggingface_hub's format, or the raw hub
    /// answer an older modeld kept. Every path and digest is checked, as from the hub.
    public static func files(from data: Data) throws(ManifestError) -> [ManifestFile] {
        guard let listing = try? JSONDecoder().decode(Listing.self, from: data) else {
            return try HubAPI.files(fromTreePage: data)
        }
        guard listing.formatVersion == formatVersion else {
            throw .malformed("the kept tree listing has format \(listing.formatVersion), not \(formatVersion)")
        }
        var files: [ManifestFile] = []
        for (path, entry) in listing.files.sorted(by: { $0.key < $1.key }) {
            let path = try ManifestPath.validate(path)
            let digest =
                if let sha256 = entry.lfsSHA256 { FileDigest(kind: .sha256, hex: sha256) } else { FileDigest(kind: .gitBlobSHA1, hex: entry.blobID) }
            guard let digest else { throw .malformed("\(path) has no usable digest") }
            let size = entry.lfsSize ?? entry.size
            guard size >= 0 else { throw .malformed("\(path) has a negative size") }
            files.append(ManifestFile(path: path, size: size, digest: digest))
        }
        try HubAPI.refuseImpossibleSizes(files)
        return files
    }
}
