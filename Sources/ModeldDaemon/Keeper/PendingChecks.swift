/// Changes the watcher saw in a model's files that no check has looked at since. A model
/// with any is not handed out by `acquire` until they are checked.
///
/// Each change is stamped with a counter; a check stamped when it began settles the
/// changes seen before it began, and only those: a change made while a file is being
/// read stays pending.
struct PendingChecks: Equatable {
    private(set) var files: [String: UInt64] = [:]
    /// A change that concerns the whole model (lost inotify events, a folder replaced).
    private(set) var whole: UInt64?

    var isEmpty: Bool { files.isEmpty && whole == nil }

    /// How many changes wait (a whole-model change counts once).
    var count: Int { files.count + (whole == nil ? 0 : 1) }

    mutating func notice(_ path: String?, stamp: UInt64) {
        if let path { files[path] = stamp } else { whole = stamp }
    }

    /// A check of `paths` that began at `ticket` ended.
    mutating func checked(_ paths: Set<String>, ticket: UInt64) {
        for path in paths {
            if let stamp = files[path], stamp <= ticket { files[path] = nil }
        }
    }

    /// A check of every file that began at `ticket` ended.
    mutating func checkedAll(ticket: UInt64) {
        files = files.filter { $0.value > ticket }
        if let stamp = whole, stamp <= ticket { whole = nil }
    }
}
