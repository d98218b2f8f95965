/// Turns what the doctor measured into ok / warn / fail with the next step. Pure: the
/// daemon and modelctl measure, these functions judge, so each verdict is unit-tested.
public enum DoctorJudge {
    /// The config files read again the way `reload` reads them: the keys that differ from
    /// what the daemon runs, or why they do not load.
    public static func config(_ reread: Result<[String], ConfigError>) -> DoctorCheck {
        switch reread {
        case .failure(let error):
            return DoctorCheck(
                "config", .fail, "the config files do not load: \(error); the daemon keeps running the configuration it loaded before",
                fix: "fix it (modeld --check-config shows the problem), then modelctl reload")
        case .success(let changed) where changed.isEmpty:
            return DoctorCheck("config", .ok, "valid, and what the daemon runs")
        case .success(let changed):
            return DoctorCheck(
                "config", .warn, "valid, but the daemon runs an older version of it: \(changed.joined(separator: ", ")) changed since",
                fix: "modelctl reload")
        }
    }

    /// A probe file created, synced and removed in the store, or the call that failed.
    public static func storeWritable<Failure: Error>(_ store: String, _ probe: Result<Void, Failure>) -> DoctorCheck {
        guard case .failure(let problem) = probe else {
            return DoctorCheck("store_writable", .ok, "\(store): a file was created, synced and removed")
        }
        return DoctorCheck(
            "store_writable", .fail, "the daemon cannot write in \(store): \(problem); no download, repair or update can finish",
            fix: "give the daemon's user write access (chown -R modeld: \(store)), remount the filesystem read-write, or set [daemon] store_dir")
    }

    /// The filesystem the store is on, or why `statfs` could not tell.
    public static func filesystem<Failure: Error>(_ store: String, _ type: Result<FilesystemType, Failure>) -> DoctorCheck {
        switch type {
        case .failure(let error):
            return DoctorCheck("filesystem", .warn, "the filesystem of \(store) is unknown: \(error)", fix: "ls -ld \(store)")
        case .success(let type) where type.isVolatile:
            return DoctorCheck(
                "filesystem", .warn, "\(store) is on \(type): it is emptied at every reboot, and every model downloaded again",
                fix: "set [daemon] store_dir to a folder on a disk")
        case .success(let type) where type.isRemote:
            return DoctorCheck(
                "filesystem", .warn,
                "\(store) is on \(type): inotify does not see changes made from other machines; only the scrub finds them",
                fix: "keep the store on a local disk, or set [verify] scrub_every shorter")
        case .success(let type):
            return DoctorCheck("filesystem", .ok, "\(store) is on \(type)")
        }
    }

    /// Free space on one filesystem of the store, links or ledger, against `[disk]`.
    public static func freeSpace(paths: [String], free: Int64, total: Int64, reserve: Int64, warnBelow: Int64) -> DoctorCheck {
        let place = paths.joined(separator: ", ")
        let figures = "\(ByteSize.format(free)) free of \(ByteSize.format(total)) on \(place)"
        if free <= reserve {
            return DoctorCheck(
                "disk", .fail, "\(figures), at or under [disk] reserve \(ByteSize.format(reserve)): no download can start",
                fix: "modelctl cleanup lists what can go; or free space outside the store, or lower [disk] reserve")
        }
        if free < warnBelow {
            return DoctorCheck(
                "disk", .warn, "\(figures), under [disk] warn_below \(ByteSize.format(warnBelow))",
                fix: "modelctl cleanup lists what can go; or lower [disk] warn_below")
        }
        return DoctorCheck("disk", .ok, "\(figures); reserve \(ByteSize.format(reserve)), warn below \(ByteSize.format(warnBelow))")
    }

    /// The inotify watch limit against the folders the store watcher needs (nil: it has
    /// not looked yet). `exhausted`: the watcher already ran out and rescans instead;
    /// `unavailable`: why it could not start inotify at all.
    public static func inotify<Failure: Error>(
        limit reading: Result<InotifyLimit, Failure>, needed: Int?, exhausted: Bool, unavailable: String? = nil
    ) -> DoctorCheck {
        if let unavailable {
            return DoctorCheck(
                "inotify", .fail, "the store is not watched (\(unavailable)): changed files are only found by a rescan every 30 s",
                fix: "raise fs.inotify.max_user_instances (sysctl) if this user runs many inotify programs, then systemctl restart modeld")
        }
        guard let needed else {
            return DoctorCheck("inotify", .warn, "the store watcher is still starting", fix: "modelctl doctor again in a moment")
        }
        let limit: InotifyLimit
        switch reading {
        case .success(let read): limit = read
        case .failure(let error):
            return DoctorCheck(
                "inotify", exhausted ? .fail : .warn, "the watch limit could not be read (\(error)); the store needs \(needed) watches",
                fix: "sysctl fs.inotify.max_user_watches")
        }
        // Room for the daemon's growth and for the other programs of its user, who share the limit.
        let suggested = max(needed * 4, 524_288)
        let fix = "sysctl -w \(limit.key)=\(suggested), and put \(limit.key) = \(suggested) in /etc/sysctl.d/90-modeld.conf"
        if exhausted || needed > limit.watches {
            return DoctorCheck(
                "inotify", .fail,
                "the store needs \(needed) watches, \(limit.key) allows \(limit.watches)\(exhausted ? " and the watcher ran out" : ""): "
                    + "changed files are only found by a rescan every 30 s",
                fix: fix)
        }
        if needed * 2 > limit.watches {
            return DoctorCheck(
                "inotify", .warn, "the store needs \(needed) of the \(limit.watches) watches \(limit.key) allows; the user's other programs share them",
                fix: fix)
        }
        return DoctorCheck("inotify", .ok, "the store needs \(needed) watches; \(limit.key) allows \(limit.watches)")
    }
}
