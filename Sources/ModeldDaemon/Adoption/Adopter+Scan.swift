import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `adopt --scan`: which folders under a path hold most of a catalog model.
extension Adopter {
    /// Lists the folder once (never entering the store), then compares each of its
    /// folders with each catalog model's manifest by path and size. Reads no file.
    func scan(_ path: String) async throws(ProtocolError) -> AdoptScanResult {
        let root = try await checkedFolder(path)
        let listing = try await list(root, excludingStore: true)
        let config = await keeper.config
        var found: [AdoptScanResult.Found] = []
        var unchecked: [AdoptFileNote] = []
        for model in config.models {
            let manifest: Manifest
            if let known = await keeper.integrity(of: model.id)?.manifest {
                manifest = known
            } else {
                switch await manifests.manifest(for: model, config: config) {
                case .success(let fetched):
                    manifest = fetched
                case .failure(let failure):
                    unchecked.append(AdoptFileNote(path: model.id, reason: failure.message))
                    continue
                }
            }
            for folder in listing.folders {
                let match = FolderMatch(manifest: manifest, listing: listing.files, folder: folder)
                guard match.isCandidate else { continue }
                let absolute = folder.isEmpty ? root : root + "/" + folder
                found.append(AdoptScanResult.Found(
                    model: model.id, folder: absolute, files: match.files, matchedFiles: match.matchedFiles, bytes: match.bytes,
                    matchedBytes: match.matchedBytes, command: "modelctl adopt \(model.id) \(Self.shellWord(absolute))"))
            }
        }
        found.sort { ($0.matchedBytes, $1.folder) > ($1.matchedBytes, $0.folder) }
        return AdoptScanResult(path: root, found: found, unchecked: unchecked, truncated: listing.truncated)
    }

    /// A path as one word of a shell command line.
    static func shellWord(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:@,".contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
