import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `backup`: the ledger and the effective config in one file, written by the daemon
/// (as its own user) while it runs. `modeld --restore FILE` puts it back.
struct LedgerBackup: Sendable {
    let keeper: Keeper
    let ledger: Ledger
    let storePath: String
    let io: BlockingPool

    func backup(_ arguments: BackupArguments) async throws(ProtocolError) -> BackupResult {
        let path = (arguments.path as NSString).standardizingPath
        guard path.hasPrefix("/") else {
            throw ProtocolError(.badRequest, "the backup's path must be absolute, got \(arguments.path)", hint: "modelctl backup makes a relative path absolute")
        }
        guard !(path + "/").hasPrefix(storePath + "/") else {
            throw ProtocolError(.badRequest, "a backup inside the store (\(storePath)) would be taken for a stray file", hint: "write it somewhere else, like /var/backups")
        }
        let config: String
        do {
            config = try await keeper.config.effectiveText(readFrom: "the running daemon's configuration")
        } catch {
            throw ProtocolError(.internal, "the configuration could not be written out: \(error)")
        }
        let info: Ledger.BackupInfo
        do {
            info = try await io.run { [ledger] in try ledger.backup(to: path, config: config, version: ProtocolVersion.release) }
        } catch {
            throw ProtocolError(
                .internal, "the backup could not be written to \(path): \(error)",
                hint: "the daemon writes it as its own user: choose a folder it may write")
        }
        return BackupResult(path: path, bytes: info.bytes, takenAt: info.takenAt, version: info.version, schema: info.schema)
    }
}
