import Testing

@testable import ModeldLinux

@Suite struct OwnWritesTests {
    @Test func onlyWhatTheDaemonDidToAPathIsTakenForItsOwn() {
        let own = OwnWrites()
        own.note(.putInPlace, "/store/blobs/abc")
        own.note(.removed, "/store/snapshots/c/old.json")
        own.note(.inPlace, "/store/refs/main.tmp-1")
        #expect(own.contains("/store/blobs/abc", .other))
        // Someone damaging or removing the blob the daemon just published: it must be checked.
        #expect(!own.contains("/store/blobs/abc", .bytesWritten))
        #expect(!own.contains("/store/blobs/abc", .removed))
        #expect(own.contains("/store/snapshots/c/old.json", .removed))
        #expect(own.contains("/store/refs/main.tmp-1", .bytesWritten))
        #expect(!own.contains("/store/blobs/other", .other))
    }
}
