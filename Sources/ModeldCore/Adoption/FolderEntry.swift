/// One file found in a folder to adopt, as listing it showed (no byte of it hashed yet).
public struct FolderEntry: Sendable, Equatable {
    public var size: Int64
    /// A symbolic link to a regular file (a copy made with `cp -r` of a cache snapshot):
    /// what is adopted is its target, and `--move` links it instead.
    public var isSymlink: Bool
    /// A git-lfs pointer, not the file: a `git lfs clone` whose `git lfs pull` never ran.
    public var isLFSPointer: Bool
    /// Why it cannot be read (a dangling link, a permission), as the system said.
    public var problem: String?

    public init(size: Int64, isSymlink: Bool = false, isLFSPointer: Bool = false, problem: String? = nil) {
        self.size = size
        self.isSymlink = isSymlink
        self.isLFSPointer = isLFSPointer
        self.problem = problem
    }

    /// The first line of every git-lfs pointer file (git-lfs spec v1); a pointer is a few
    /// hundred bytes, so only files smaller than `pointerSizeLimit` are looked at.
    public static let lfsPointerPrefix = "version https://git-lfs.github.com/spec/v1"
    public static let pointerSizeLimit: Int64 = 1024
}
