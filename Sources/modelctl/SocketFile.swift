import Foundation
import ModeldCore

/// The control socket as the file system shows it: mode and owners.
enum SocketFile {
    static func check(_ path: String) -> DoctorCheck {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            return DoctorCheck("socket", .warn, "\(path) cannot be examined: \(error.localizedDescription)", fix: "ls -l \(path)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
        let owner = attributes[.ownerAccountName] as? String ?? (attributes[.ownerAccountID] as? NSNumber).map { "uid \($0)" } ?? "?"
        let group = attributes[.groupOwnerAccountName] as? String ?? (attributes[.groupOwnerAccountID] as? NSNumber).map { "gid \($0)" } ?? "?"
        return DoctorJudge.socket(path: path, mode: mode, owner: owner, group: group)
    }
}
