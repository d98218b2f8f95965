import Foundation
import ModeldCore

/// Where systemd looks for modeld's units: `$SYSTEMD_UNIT_PATH` as systemd reads it (a
/// trailing `:` adds the usual folders), else the usual folders.
enum UnitFiles {
    static let systemFolders = [
        "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
    ]

    static func folders(_ environment: [String: String]) -> [String] {
        guard let path = environment["SYSTEMD_UNIT_PATH"], !path.isEmpty else { return systemFolders }
        let named = path.split(separator: ":").map(String.init)
        return path.hasSuffix(":") ? named + systemFolders : named
    }

    static func check(_ environment: [String: String]) -> DoctorCheck {
        let searched = folders(environment)
        var found: [String: String] = [:]
        for unit in ["modeld.service", "modeld.socket"] {
            found[unit] = searched.first { FileManager.default.fileExists(atPath: $0 + "/" + unit) }
        }
        return DoctorJudge.units(found: found, searched: searched)
    }
}
