/// A tree listing served exactly as given, for a repo whose manifest a test wants to be
/// hostile: paths that escape, sizes that lie, digests that are not hex, pages that never
/// end. The repo's revision and files are still served from its `TestRepo`.
///
/// ```swift
/// var options = TestHub.Options()
/// options.rawTrees["evil/repo"] = RawTreeListing(pages: [#"[{"type":"file","path":"../x","size":1,"oid":"…"}]"#])
/// ```
public struct RawTreeListing: Sendable {
    /// Where the `Link: rel="next"` of the last page leads.
    public enum Onward: Sendable {
        /// Nowhere: the listing ends.
        case end
        /// To one more page of `[]`, with no end.
        case forever
        /// To this absolute URL (another host, a closed port).
        case url(String)
    }

    /// The pages' bodies, in order (page N is asked for with `cursor=N`).
    public var pages: [String]
    public var onward: Onward

    public init(pages: [String], onward: Onward = .end) {
        self.pages = pages
        self.onward = onward
    }
}
