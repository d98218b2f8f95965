import Foundation

/// What a `/revision/` answer says beyond the commit: whether the repo is gated, and
/// its files (`siblings`), one of which the doctor asks for to try the token.
public struct HubRevisionInfo: Sendable, Equatable {
    public var commit: String
    /// The hub's `gated` is false, `"auto"` or `"manual"`.
    public var gated: Bool
    public var files: [String]

    public init(commit: String, gated: Bool, files: [String]) {
        self.commit = commit
        self.gated = gated
        self.files = files
    }

    public init(revisionAnswer body: Data) throws(ManifestError) {
        struct Answer: Decodable {
            struct Sibling: Decodable { var rfilename: String }
            var gated: Gated?
            var siblings: [Sibling]?
        }
        enum Gated: Decodable {
            case no, yes
            init(from decoder: any Decoder) throws {
                let value = try decoder.singleValueContainer()
                self = (try? value.decode(Bool.self)) == false ? .no : .yes
            }
        }
        let commit = try HubAPI.commit(fromRevision: body)
        let answer = try? JSONDecoder().decode(Answer.self, from: body)
        self.init(commit: commit, gated: answer?.gated == .yes, files: answer?.siblings?.map(\.rfilename) ?? [])
    }
}
