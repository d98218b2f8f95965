import Foundation
import ModeldCore
import Testing

@Suite struct HubAPITests {
    let sha = String(repeating: "ab", count: 32)
    let sha1 = String(repeating: "cd", count: 20)

    @Test func urlsEncodeRevisionsAndPaths() {
        #expect(HubAPI.revisionURL(endpoint: "https://h", repo: "o/r", revision: "refs/pr/1") == "https://h/api/models/o/r/revision/refs%2Fpr%2F1")
        #expect(HubAPI.treeURL(endpoint: "https://h", repo: "o/r", commit: "abc") == "https://h/api/models/o/r/tree/abc?recursive=true")
        #expect(HubAPI.resolveURL(endpoint: "https://h", repo: "o/r", commit: "abc", path: "google/umt5 xxl/a+b.json")
            == "https://h/o/r/resolve/abc/google/umt5%20xxl/a%2Bb.json")
    }

    @Test func aTreePageGivesFilesWithTheirDigests() throws {
        let page = """
            [{"type":"directory","path":"google","oid":"\(sha1)"},
             {"type":"file","path":"config.json","size":12,"oid":"\(sha1)"},
             {"type":"file","path":"google/m.safetensors","size":99,"oid":"\(sha1)","lfs":{"oid":"\(sha.uppercased())","size":5000,"pointerSize":130}}]
            """
        let files = try HubAPI.files(fromTreePage: Data(page.utf8))
        #expect(files == [
            ManifestFile(path: "config.json", size: 12, digest: .gitBlobSHA1(sha1)),
            ManifestFile(path: "google/m.safetensors", size: 5000, digest: .sha256(sha)),
        ])
    }

    @Test(arguments: ["../x", "/etc/passwd", "a//b", "a/./b", "a\\\\b", "a\\u0000b", ""])
    func aHostilePathRejectsTheWholePage(path: String) {
        let page = #"[{"type":"file","path":"\#(path)","size":1,"oid":"\#(sha1)"}]"#
        #expect(throws: ManifestError.self) { try HubAPI.files(fromTreePage: Data(page.utf8)) }
    }

    @Test func aDigestThatIsNotHexCannotNameABlob() {
        let page = #"[{"type":"file","path":"a","size":1,"oid":"../../etc/passwd"}]"#
        #expect(throws: ManifestError.malformed("a has no usable digest")) { try HubAPI.files(fromTreePage: Data(page.utf8)) }
    }

    /// Found by FuzzTests: a listing with a file of 2^63 - 1 bytes beside another
    /// overflowed the sum of what a pull needs and stopped the daemon.
    @Test func sizesThatAddUpPastAnExbibyteAreRefused() throws {
        func page(_ sizes: [Int64]) -> Data {
            Data(("[" + sizes.enumerated().map { #"{"type":"file","path":"f\#($0.offset)","size":\#($0.element),"oid":"\#(sha1)"}"# }
                .joined(separator: ",") + "]").utf8)
        }
        #expect(throws: ManifestError.self) { try HubAPI.files(fromTreePage: page([Int64.max, 4])) }
        #expect(throws: ManifestError.self) { try HubAPI.files(fromTreePage: page([Int64.max])) }
        #expect(throws: ManifestError.self) { try HubAPI.files(fromTreePage: page([HubAPI.largestTotalSize, 1])) }
        #expect(try HubAPI.files(fromTreePage: page([HubAPI.largestTotalSize - 1, 1])).count == 2, "up to the bound")
    }

    @Test func theRevisionAnswerNamesACommit() throws {
        #expect(try HubAPI.commit(fromRevision: Data(#"{"id":"o/r","sha":"\#(sha1.uppercased())"}"#.utf8)) == sha1)
        #expect(throws: ManifestError.self) { try HubAPI.commit(fromRevision: Data(#"{"sha":"main"}"#.utf8)) }
    }

    @Test func theLinkHeaderGivesTheNextPage() {
        #expect(HubAPI.nextPage(link: #"<https://h/api/models/o/r/tree/c?cursor=abc>; rel="next""#) == "https://h/api/models/o/r/tree/c?cursor=abc")
        #expect(HubAPI.nextPage(link: #"<https://h/a>; rel="prev", <https://h/b>; rel="next""#) == "https://h/b")
        #expect(HubAPI.nextPage(link: nil) == nil)
        #expect(HubAPI.nextPage(link: #"<https://h/a>; rel="prev""#) == nil)
    }

    @Test func failuresSayWhatToDo() {
        #expect(HubAPI.failure(status: 401, errorCode: "GatedRepo", message: nil, repo: "o/r", revision: "main").kind == .gated)
        #expect(HubAPI.failure(status: 404, errorCode: "RevisionNotFound", message: nil, repo: "o/r", revision: "v9").message.contains("v9"))
        #expect(HubAPI.failure(status: 401, errorCode: "RepoNotFound", message: nil, repo: "o/r", revision: "main").kind == .notFound)
        #expect(HubAPI.failure(status: 503, errorCode: nil, message: nil, repo: "o/r", revision: "main").kind == .transient)
        #expect(HubAPI.failure(status: 418, errorCode: nil, message: nil, repo: "o/r", revision: "main").kind == .hubError)
    }

    @Test(arguments: [
        ("*.safetensors", "a/b.safetensors", true), ("*.json", "config.json", true), ("google/*", "google/umt5/x", true),
        ("?.txt", "a.txt", true), ("?.txt", "ab.txt", false), ("[ab].bin", "b.bin", true), ("[!ab].bin", "b.bin", false),
        ("model-0000[1-3]*", "model-00002-of-6", true), ("config.json", "sub/config.json", false),
    ])
    func globsMatchAsTheHubClientDoes(pattern: String, path: String, matches: Bool) {
        #expect(FileFilter(include: [pattern], exclude: []).keeps(path) == matches)
    }

    @Test func manyStarsOnALongPathStayFast() {
        let path = String(repeating: "a", count: 4000) + "b"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(!FileFilter(include: ["*a*a*a*a*a*a*a*a*a*c"], exclude: []).keeps(path))
        }
        // Exponential backtracking would take years here; linear takes microseconds.
        #expect(elapsed < .seconds(10), "backtracking stays linear in the stars: \(elapsed)")
    }

    @Test func anUnclosedBracketIsItself() {
        #expect(FileFilter(include: ["a[b"], exclude: []).keeps("a[b"))
    }

    @Test func aDuplicatePathIsRefused() {
        let sha1 = String(repeating: "cd", count: 20)
        let page = #"[{"type":"file","path":"a","size":1,"oid":"\#(sha1)"},{"type":"file","path":"a","size":1,"oid":"\#(sha1)"}]"#
        #expect(throws: ManifestError.malformed("a is listed twice")) { try HubAPI.files(fromTreePage: Data(page.utf8)) }
    }

    @Test func fullwidthDigitsAreNotHex() {
        #expect(Hex.isCommit(String(repeating: "a", count: 40)))
        #expect(!Hex.isCommit(String(repeating: "１", count: 40)))
        #expect(FileDigest(kind: .gitBlobSHA1, hex: String(repeating: "１", count: 40)) == nil)
    }

    @Test func excludeWinsAndNoIncludeKeepsAll() {
        #expect(FileFilter(include: [], exclude: []).keeps("anything"))
        #expect(!FileFilter(include: ["*"], exclude: ["*.pth"]).keeps("Wan2.2_VAE.pth"))
    }
}

@Suite struct StoreLayoutTests {
    let layout = StoreLayout(root: "/s")
    let digest = FileDigest.sha256(String(repeating: "0", count: 64))

    @Test func followsTheHuggingFaceCacheLayout() {
        #expect(layout.repoFolder("Wan-AI/Wan2.2-TI2V-5B") == "/s/models--Wan-AI--Wan2.2-TI2V-5B")
        #expect(layout.blob("o/r", digest) == "/s/models--o--r/blobs/" + digest.hex)
        #expect(layout.snapshotFile("o/r", "c", "a/b.json") == "/s/models--o--r/snapshots/c/a/b.json")
        #expect(layout.tree("o/r", "c") == "/s/models--o--r/trees/c.json")
        #expect(StoreLayout.blobLinkTarget(path: "x.bin", digest: digest) == "../../blobs/" + digest.hex)
        #expect(StoreLayout.blobLinkTarget(path: "google/umt5-xxl/x", digest: digest) == "../../../../blobs/" + digest.hex)
    }

    @Test func changedPathsMapToTheFilesToCheck() {
        let other = FileDigest.gitBlobSHA1(String(repeating: "1", count: 40))
        let manifest = Manifest(repo: "o/r", commit: "c", files: [
            ManifestFile(path: "a.bin", size: 1, digest: digest), ManifestFile(path: "sub/b.json", size: 1, digest: other),
        ])
        let index = StorePathIndex(
            layout: layout, linksDirectory: "/links",
            entries: [.init(model: "m", repo: "o/r", manifest: manifest), .init(model: "n", repo: "o/n", manifest: nil)])
        #expect(index.targets(for: "/s/models--o--r/blobs/" + digest.hex) == [.file(model: "m", path: "a.bin")])
        #expect(index.targets(for: "/s/models--o--r/blobs/" + digest.hex + ".incomplete").isEmpty)
        #expect(index.targets(for: "/s/models--o--r/snapshots/c/sub/b.json") == [.file(model: "m", path: "sub/b.json")])
        #expect(index.targets(for: "/s/models--o--r/snapshots/c/sub") == [.file(model: "m", path: "sub/b.json")])
        #expect(index.targets(for: "/s/models--o--r/snapshots/old/a.bin").isEmpty)
        #expect(index.targets(for: "/s/models--o--r/refs/main") == [.model("m")])
        #expect(index.targets(for: "/s/models--o--n/blobs/x") == [.model("n")], "no manifest yet: check the model")
        #expect(index.targets(for: "/links/m") == [.model("m")])
        #expect(index.targets(for: "/elsewhere/a.bin").isEmpty)
        #expect(index.directories.contains("/s/models--o--r/snapshots/c/sub"))
        #expect(index.directories.contains("/links") && index.directories.contains("/s"))
    }
}

@Suite struct ModelIntegrityTests {
    let manifest = Manifest(repo: "o/r", commit: "c", files: [
        ManifestFile(path: "a", size: 10, digest: .sha256(String(repeating: "a", count: 64))),
        ManifestFile(path: "b", size: 30, digest: .sha256(String(repeating: "b", count: 64))),
    ])

    @Test func stateFollowsTheWorstFile() {
        var integrity = ModelIntegrity(manifest: manifest)
        #expect(integrity.state == .verifying)
        integrity["a"] = .verified(.full)
        integrity["b"] = .verified(.stat)
        #expect(integrity.state == .available && integrity.integrity == 1 && integrity.verifiedBytes == 40)
        integrity["b"] = .missing
        #expect(integrity.state == .missing && integrity.missing == ["b"] && integrity.integrity == 0.5)
        integrity["a"] = .corrupted(damagedRanges: [ByteRange(0, 4)], reason: "bad")
        #expect(integrity.state == .corrupted)
        #expect(integrity.actions(model: "m").map(\.command) == ["modelctl repair m", "modelctl pull m"])
        integrity["nope"] = .missing
        #expect(integrity.conditions["nope"] == nil, "only manifest files have a condition")
    }

    @Test func damagedChunksBecomeMergedClampedRanges() {
        #expect(ByteRange.ranges(chunks: [3, 1, 2, 7], chunkSize: 10, fileSize: 75) == [ByteRange(10, 40), ByteRange(70, 75)])
        #expect(ByteRange.ranges(chunks: [0, 1, 3], chunkSize: 10, fileSize: 35) == [ByteRange(0, 20), ByteRange(30, 35)])
        #expect(ByteRange.ranges(chunks: [3, 1, 1, 2], chunkSize: 10, fileSize: 100) == [ByteRange(10, 40)])
        #expect(ByteRange.ranges(chunks: [2, 9, -1], chunkSize: 10, fileSize: 25) == [ByteRange(20, 25)])
        #expect(ByteRange.ranges(chunks: [0], chunkSize: 10, fileSize: 0).isEmpty)
        #expect(ByteRange.ranges(chunks: [], chunkSize: 10, fileSize: 75).isEmpty)
        #expect(ByteRange.ranges(chunks: [Int.max], chunkSize: 10, fileSize: 10).isEmpty)
    }
}
