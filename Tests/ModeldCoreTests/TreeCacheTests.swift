import Foundation
import ModeldCore
import Testing

/// `trees/<commit>.json` in huggingface_hub's format: written from the hub's answer, read
/// back to the same manifest, and an older modeld's raw listing still read.
@Suite struct TreeCacheTests {
    static let sha256 = String(repeating: "ab", count: 32)
    static let gitSHA = String(repeating: "c", count: 40)
    static let hubPage = """
        [{"type":"directory","path":"google","oid":"\(String(repeating: "d", count: 40))","size":0},
         {"type":"file","path":"config.json","oid":"\(gitSHA)","size":27},
         {"type":"file","path":"google/a.safetensors","oid":"\(String(repeating: "e", count: 40))","size":1048576,
          "lfs":{"oid":"\(sha256)","size":1048576,"pointerSize":134},"xetHash":"\(String(repeating: "f", count: 64))"},
         {"type":"file","path":"b.bin","oid":"\(String(repeating: "1", count: 40))","size":9,
          "lfs":{"oid":"\(String(repeating: "2", count: 64))","size":9},"xetHash":"not-a-hash"}]
        """

    @Test func theListingIsHuggingfaceHubsFormatAndReadsBackToTheSameFiles() throws {
        let listing = try TreeCache.listing(fromHubEntries: Data(Self.hubPage.utf8))
        let json = try #require(try JSONSerialization.jsonObject(with: listing) as? [String: Any])
        #expect(json["format_version"] as? Int == 1)
        let files = try #require(json["files"] as? [String: [String: Any]])
        #expect(Set(files.keys) == ["config.json", "google/a.safetensors", "b.bin"])
        #expect(files["config.json"]?["blob_id"] as? String == Self.gitSHA)
        #expect(files["config.json"]?["lfs_sha256"] == nil)
        #expect(files["google/a.safetensors"]?["lfs_sha256"] as? String == Self.sha256)
        #expect(files["google/a.safetensors"]?["lfs_size"] as? Int == 1_048_576)
        #expect(files["google/a.safetensors"]?["xet_hash"] as? String == String(repeating: "f", count: 64))
        #expect(files["b.bin"]?["xet_hash"] == nil, "huggingface_hub drops a listing with a bad Xet hash")

        let fromCache = try TreeCache.files(from: listing)
        let fromHub = try HubAPI.files(fromTreePage: Data(Self.hubPage.utf8))
        #expect(fromCache.sorted { $0.path < $1.path } == fromHub.sorted { $0.path < $1.path })
    }

    @Test func anOlderModeldsRawListingIsStillRead() throws {
        #expect(try TreeCache.files(from: Data(Self.hubPage.utf8)).count == 3)
    }

    @Test func aHostileKeptListingIsRefused() {
        let escaping = #"{"format_version":1,"files":{"../../etc/passwd":{"size":1,"blob_id":"\#(Self.gitSHA)"}}}"#
        #expect(throws: ManifestError.self) { try TreeCache.files(from: Data(escaping.utf8)) }
        let newer = #"{"format_version":2,"files":{}}"#
        #expect(throws: ManifestError.self) { try TreeCache.files(from: Data(newer.utf8)) }
        let badDigest = #"{"format_version":1,"files":{"a":{"size":1,"blob_id":"xyz"}}}"#
        #expect(throws: ManifestError.malformed("a has no usable digest")) { try TreeCache.files(from: Data(badDigest.utf8)) }
        let huge = #"{"format_version":1,"files":{"a":{"size":9223372036854775807,"blob_id":"\#(Self.gitSHA)"},"b":{"size":1,"blob_id":"\#(Self.gitSHA)"}}}"#
        #expect(throws: ManifestError.self) { try TreeCache.files(from: Data(huge.utf8)) }
    }
}

/// A 206 answer must be the range asked for, of the file asked for.
@Suite struct ContentRangeTests {
    let asked = ByteRange(100, 200)

    @Test func theRangeAskedForIsAccepted() throws {
        let answer = try #require(ContentRange("bytes 100-199/1000"))
        #expect(answer == ContentRange(first: 100, last: 199, total: 1000))
        #expect(answer.mismatch(requested: asked, fileSize: 1000) == nil)
        #expect(ContentRange("bytes 100-149/*")?.mismatch(requested: asked, fileSize: 1000) == nil, "shorter is asked again")
    }

    @Test func otherBytesOrAnotherFileAreRefused() {
        #expect(ContentRange("bytes 0-99/1000")?.mismatch(requested: asked, fileSize: 1000) != nil)
        #expect(ContentRange("bytes 100-299/1000")?.mismatch(requested: asked, fileSize: 1000) != nil)
        #expect(ContentRange("bytes 100-199/2000")?.mismatch(requested: asked, fileSize: 1000) != nil)
    }

    @Test(arguments: [nil, "", "items 1-2/3", "bytes 5-1/10", "bytes 1-2/2", "bytes -1-2/9", "bytes 1-2", "bytes a-b/c"])
    func malformedHeadersAreNotRanges(header: String?) {
        #expect(ContentRange(header) == nil)
    }
}
