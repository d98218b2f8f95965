import Foundation
import ModeldCore
import ModeldLinux
import ModeldTestSupport
import Testing

/// Found by FuzzTests: a link in a snapshot folder, where a manifest lists a file
/// beneath it, led the store to replace (and on eviction, remove) a file outside it.
@Suite struct StoreLinkedFolderTests {
    let file = ManifestFile(path: "evil/payload.txt", size: 7, digest: .gitBlobSHA1(String(repeating: "ab", count: 20)))
    let commit = String(repeating: "c", count: 40)

    /// A store in `root` whose snapshot holds `evil -> <outside>`, and a file there to lose.
    func prepared(root: String, outside: TemporaryDirectory) throws -> (Store, precious: String) {
        let store = Store(root: root, linksDirectory: root + "/links")
        let snapshot = store.layout.snapshot("o/r", commit)
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: snapshot + "/evil", withDestinationPath: outside.path)
        return (store, try outside.write("payload.txt", "precious"))
    }

    @Test func aSnapshotLinkIsNotMadeThroughALinkedFolder() throws {
        let (home, outside) = (try TemporaryDirectory(), try TemporaryDirectory())
        let (store, precious) = try prepared(root: home.path, outside: outside)
        #expect(throws: SystemError.self) { try store.linkSnapshot(file, repo: "o/r", commit: commit) }
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "precious")
        #expect(throws: SystemError.self) { try store.remove(store.layout.snapshotFile("o/r", commit, file.path)) }
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "precious")
    }

    @Test func aStoreWhoseRootIsALinkStillWorks() throws {
        let (home, disk) = (try TemporaryDirectory(), try TemporaryDirectory())
        try FileManager.default.createSymbolicLink(atPath: home.file("store"), withDestinationPath: disk.path)
        let store = Store(root: home.file("store"), linksDirectory: home.file("links"))
        let plain = ManifestFile(path: "sub/ok.txt", size: 2, digest: file.digest)
        try store.linkSnapshot(plain, repo: "o/r", commit: commit)
        #expect(store.isLinked(plain, repo: "o/r", commit: commit))
        try store.remove(store.layout.snapshotFile("o/r", commit, plain.path))
        #expect(!store.isLinked(plain, repo: "o/r", commit: commit))
    }
}
