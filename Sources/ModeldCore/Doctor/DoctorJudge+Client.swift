extension DoctorJudge {
    /// Why modelctl could not talk to the daemon at `socket`.
    public static func unreachable(socket: String, socketExists: Bool, error: String) -> DoctorCheck {
        socketExists
            ? DoctorCheck(
                "daemon", .fail, "nothing answers on \(socket): \(error)",
                fix: "sudo systemctl start modeld; journalctl -u modeld says why it stopped")
            : DoctorCheck(
                "daemon", .fail, "no socket at \(socket): \(error)",
                fix: "sudo systemctl start modeld, or point modelctl at the daemon's socket with --socket PATH or MODELD_SOCKET=PATH")
    }

    public static func reachable(socket: String, version: String, pid: Int32) -> DoctorCheck {
        DoctorCheck("daemon", .ok, "modeld \(version) answers on \(socket) (pid \(pid))")
    }

    /// The daemon's protocol and release against modelctl's own.
    public static func protocolVersion(daemon: Int, client: Int, daemonRelease: String, clientRelease: String) -> DoctorCheck {
        if daemon != client {
            return DoctorCheck(
                "protocol", .fail, "modeld speaks protocol \(daemon), this modelctl \(client)",
                fix: "install modelctl of the same release as modeld (\(daemonRelease))")
        }
        if daemonRelease != clientRelease {
            return DoctorCheck(
                "protocol", .warn, "protocol \(daemon) on both sides, but modeld is \(daemonRelease) and modelctl \(clientRelease)",
                fix: "upgrade both to one release, then systemctl restart modeld")
        }
        return DoctorCheck("protocol", .ok, "protocol \(daemon), release \(daemonRelease) on both sides")
    }

    /// The control socket's mode and owners. Anyone who can connect may acquire leases
    /// and read everything; a socket open to every user is a warning.
    public static func socket(path: String, mode: UInt16, owner: String, group: String) -> DoctorCheck {
        let text = "\(path): mode \(String(mode & 0o777, radix: 8)), owner \(owner), group \(group)"
        if mode & 0o006 != 0 {
            return DoctorCheck(
                "socket", .warn, "\(text): every user of this machine may connect, acquire leases and hold models",
                fix: "set [daemon] socket_mode = \"0660\" and socket_group to the group of the users who may connect (SocketMode= and SocketGroup= in modeld.socket)")
        }
        return DoctorCheck("socket", .ok, text)
    }

    /// The systemd units found in `searched` (modeld.service and modeld.socket).
    public static func units(found: [String: String], searched: [String]) -> DoctorCheck {
        let missing = ["modeld.service", "modeld.socket"].filter { found[$0] == nil }
        if missing.contains("modeld.service") {
            return DoctorCheck(
                "units", .warn, "modeld.service is not installed (looked in \(searched.joined(separator: ", "))): nothing restarts modeld or starts it at boot",
                fix: "sudo make install (puts units/ in the systemd unit folder), then sudo systemctl enable --now modeld.socket modeld.service")
        }
        let service = "modeld.service in \(found["modeld.service"] ?? "?")"
        if !missing.isEmpty {
            return DoctorCheck(
                "units", .ok, "\(service); no modeld.socket (modeld binds its socket itself)")
        }
        return DoctorCheck("units", .ok, "\(service), modeld.socket in \(found["modeld.socket"] ?? "?")")
    }
}
