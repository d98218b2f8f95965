import ModeldTestSupport

/// One repo whose tree listing a hostile hub or mirror wrote, and what `pull` of it
/// may end in.
struct HostileManifest {
    enum Outcome {
        /// The listing is refused: `hub_error`, nothing fetched.
        case refused
        /// The listing reads, but lies (sizes, digests): the pull may be refused, or run
        /// and fail; the model must not become available.
        case neverAvailable
        /// Nothing hostile in the listing itself (uppercase hex is still hex): whatever
        /// the pull does, it stays inside the store.
        case anything
    }

    let name: String
    let listing: RawTreeListing?
    let outcome: Outcome
    var repoFiles = HostileManifest.files

    var repoID: String { "hostile/\(name)" }

    static let ok = TestFile("ok.txt", text: "fine")
    static let weights = TestFile("weights.safetensors", size: 4096, seed: 9)
    static let files = [ok, weights]

    /// A tree entry; every argument is JSON text.
    static func entry(path: String, size: String = "4", oid: String = "\"\(ok.gitBlobID)\"", lfs: String? = nil) -> String {
        #"{"type":"file","path":\#(path),"size":\#(size),"oid":\#(oid)\#(lfs.map { #","lfs":\#($0)"# } ?? "")}"#
    }

    static func weightsEntry(size: String = "4096", sha: String = "\"\(weights.sha256!)\"") -> String {
        entry(path: "\"weights.safetensors\"", size: size, oid: "\"\(weights.gitBlobID)\"", lfs: #"{"oid":\#(sha),"size":\#(size),"pointerSize":130}"#)
    }

    static let good = entry(path: "\"ok.txt\"")

    static func page(_ entries: String...) -> String { "[" + entries.joined(separator: ",") + "]" }

    /// Every case; `escape` is a path prefix (`/tmp/fuzz-escape-…`) that must never appear.
    static func all(escape: String) -> [HostileManifest] {
        func refused(_ name: String, _ pages: String..., onward: RawTreeListing.Onward = .end) -> HostileManifest {
            HostileManifest(name: name, listing: RawTreeListing(pages: pages, onward: onward), outcome: .refused)
        }
        func lying(_ name: String, _ pages: String..., outcome: Outcome = .neverAvailable) -> HostileManifest {
            HostileManifest(name: name, listing: RawTreeListing(pages: pages), outcome: outcome)
        }
        let hex40 = String(repeating: "ab", count: 20)
        return [
            refused("dotdot", page(good, entry(path: "\"../../../../../../../..\(escape)-dotdot\""))),
            refused("absolute", page(entry(path: "\"\(escape)-absolute\""))),
            refused("inner-dotdot", page(entry(path: "\"a/../../\(escape.dropFirst())-inner\""))),
            refused("empty-segment", page(entry(path: #""a//ok.txt""#))),
            refused("dot-segment", page(entry(path: #""./ok.txt""#))),
            refused("trailing-slash", page(entry(path: #""ok.txt/""#))),
            refused("empty-path", page(entry(path: #""""#))),
            refused("nul", page(entry(path: #""ok\u0000.txt""#))),
            refused("control", page(entry(path: #""\u001b[31mok.txt""#))),
            refused("backslash", page(entry(path: #""..\\..\\ok.txt""#))),
            refused("long-path", page(entry(path: "\"" + String(repeating: "a/", count: 2_100) + "ok.txt\""))),
            refused("long-segment", page(entry(path: "\"" + String(repeating: "a", count: 300) + "\""))),
            refused("duplicate", page(good, good)),
            refused("duplicate-across-pages", page(good), page(good)),
            refused("negative-size", page(entry(path: #""ok.txt""#, size: "-1"))),
            refused("size-as-text", page(entry(path: #""ok.txt""#, size: #""4""#))),
            refused("size-past-int64", page(entry(path: #""ok.txt""#, size: "9223372036854775808"))),
            refused("short-digest", page(entry(path: #""ok.txt""#, oid: #""abc""#))),
            refused("non-hex-digest", page(entry(path: #""ok.txt""#, oid: "\"" + String(repeating: "g", count: 40) + "\""))),
            refused("unicode-digits", page(entry(path: #""ok.txt""#, oid: "\"" + String(repeating: "٣", count: 40) + "\""))),
            refused("fullwidth-digits", page(entry(path: #""ok.txt""#, oid: "\"" + String(repeating: "０", count: 40) + "\""))),
            refused("digest-is-a-path", page(entry(path: #""ok.txt""#, oid: "\"../../../../../../..\(escape)-oid\""))),
            refused("digest-with-nul", page(entry(path: #""ok.txt""#, oid: "\"\(hex40.dropLast())\\u0000\""))),
            refused("lfs-without-oid", page(entry(path: #""weights.safetensors""#, size: "4096", lfs: #"{"size":4096}"#))),
            refused("lfs-short-oid", page(weightsEntry(sha: "\"\(hex40)\""))),
            refused("not-a-list", #"{"error":"try again"}"#),
            refused("null", "null"),
            refused("wrong-types", #"[{"type":"file","path":5,"size":4,"oid":"\#(ok.gitBlobID)"}]"#),
            refused("pages-forever", page(good), onward: .forever),
            refused("next-page-elsewhere", page(good), onward: .url("http://example.invalid/api/models/hostile/next-page-elsewhere/tree/main")),
            refused("next-page-closed-port", page(good), onward: .url("http://127.0.0.1:1/api/models/x/tree/main")),
            lying("huge-size", page(good, weightsEntry(size: "9223372036854775807"))),
            lying("two-huge-sizes", page(entry(path: #""ok.txt""#, size: "9223372036854775807"), weightsEntry(size: "9223372036854775807"))),
            lying("size-too-small", page(good, weightsEntry(size: "100"))),
            lying("size-too-large", page(good, weightsEntry(size: "8192"))),
            lying("file-and-folder", page(good, entry(path: #""ok.txt/inner""#))),
            lying("uppercase-digests", page(entry(path: #""ok.txt""#, oid: "\"\(ok.gitBlobID.uppercased())\""), weightsEntry(sha: "\"\(weights.sha256!.uppercased())\"")), outcome: .anything),
        ]
    }

    /// A listing that is honest, of a file under `evil/`, where the test has put a link
    /// `evil` in the snapshot folder leading out of the store: the download must not
    /// follow it.
    static let throughSymlink = HostileManifest(
        name: "through-symlink", listing: nil, outcome: .anything, repoFiles: [TestFile("evil/payload.txt", text: "payload")])
}
