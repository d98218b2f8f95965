import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol
import NIOCore

/// Turns one request line into its answer: parse, check who may run it, run it.
struct CommandRouter: Sendable {
    let keeper: Keeper
    let reloader: ConfigReloader
    let metrics: ControlMetrics
    let exposition: MetricsExposition
    let verifications: VerificationQueue
    let downloads: Downloader
    let acquirer: Acquirer
    let evictor: Evictor
    let cleaner: Cleaner
    let resources: ResourceMonitor
    let updater: Updater
    let health: HealthCheck
    let usage: UsageRecorder
    let backups: LedgerBackup
    let adopter: Adopter
    let doctor: Doctor
    /// For what blocks: user and group lookups.
    let io: BlockingPool
    let storePath: String
    let started: Date

    /// What a connection does with a request.
    enum Outcome: Sendable {
        case reply(Data)
        /// Send the reply, then carry the matching events.
        case subscribe(Subscription, reply: Data)
    }

    /// Answers one request of `connection` (a number the server gives each connection,
    /// which its leases belong to). `hangUp` completes when the client is gone (EPOLLHUP
    /// closes the channel; a half-close does not): a waiting `acquire` stops then.
    func handle(_ line: Data, from peer: PeerCredentials?, connection: UInt64, hangUp: EventLoopFuture<Void>) async -> Outcome {
        let request: Request
        do {
            request = try Request.parse(line)
        } catch {
            return .reply(WireCodec.failure(id: error.id, error: error.error))
        }
        metrics.countRequest(request.command)
        do {
            return try await run(request, from: peer, connection: connection, hangUp: hangUp)
        } catch let error as ProtocolError {
            return .reply(WireCodec.failure(id: request.id, error: error))
        } catch {
            return .reply(WireCodec.failure(
                id: request.id,
                error: ProtocolError(.internal, "the answer could not be made: \(error)", hint: "journalctl -u modeld shows more")))
        }
    }

    /// The connection is gone: its leases end.
    func connectionClosed(_ connection: UInt64) async {
        await acquirer.connectionClosed(connection)
    }

    private func run(_ request: Request, from peer: PeerCredentials?, connection: UInt64, hangUp: EventLoopFuture<Void>) async throws -> Outcome {
        guard let command = Command(rawValue: request.command) else {
            throw ProtocolError(
                .unknownCommand, "no command '\(request.command)'",
                hint: "commands: " + Command.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try await authorize(command, peer)
        func reply<R: Encodable>(_ result: R) throws -> Outcome {
            .reply(try WireCodec.success(id: request.id, result: result))
        }
        switch command {
        case .version:
            return try reply(VersionResult(
                protocol: ProtocolVersion.wire, version: ProtocolVersion.release, pid: getpid(), started: started))
        case .status:
            let model = try request.arguments(ModelArgument.self).model
            let free = await resources.current().disk.first { $0.paths.contains(storePath) }?.freeBytes
            return try reply(try await keeper.status(of: model, freeBytes: free, gpuMemoryGB: resources.gpuMemoryGB))
        case .resources:
            return try reply(await resources.refresh())
        case .health:
            return try reply(await health.report())
        case .keep, .unkeep:
            return try reply(try await cleaner.setPinned(try requiredModel(request, command), command == .keep))
        case .cleanup:
            let result = try await cleaner.cleanup(try request.arguments(CleanupArguments.self))
            if !result.dryRun { await resources.checkDisk() }
            return try reply(result)
        case .acquire:
            return try reply(try await acquirer.acquire(try request.arguments(AcquireArguments.self), connection: connection, hangUp: hangUp))
        case .release:
            return try reply(try await acquirer.release(request, peer: peer?.pid))
        case .report:
            return try reply(try await acquirer.report(request, peer: peer?.pid))
        case .backup:
            return try reply(try await backups.backup(try request.arguments(BackupArguments.self)))
        case .adopt:
            let arguments = try request.arguments(AdoptArguments.self)
            if arguments.scan == true { return try reply(try await adopter.scan(arguments.path)) }
            return try reply(try await adopter.adopt(arguments))
        case .doctor:
            return try reply(await doctor.examine(for: peer))
        case .usage:
            return try reply(try await usage.usage(try request.arguments(UsageArguments.self)))
        case .evict:
            let result = try await evictor.evict(try requiredModel(request, command))
            await resources.checkDisk()
            return try reply(result)
        case .update:
            return try reply(try await updater.update(try request.arguments(UpdateArguments.self)))
        case .rollback:
            return try reply(try await updater.rollback(try requiredModel(request, command)))
        case .history:
            return try reply(try await updater.history(try requiredModel(request, command)))
        case .suggest:
            return try reply(try await acquirer.suggest(try request.arguments(SuggestArguments.self)))
        case .metrics:
            return try reply(MetricsResult(text: await exposition.text()))
        case .subscribe:
            let subscription = try request.arguments(Subscription.self)
            return .subscribe(subscription, reply: try WireCodec.success(id: request.id, result: subscription))
        case .verify:
            let arguments = try request.arguments(VerifyArguments.self)
            let ids: [String]
            if let model = arguments.model {
                ids = [try await keeper.catalogModel(model).id]
            } else {
                ids = await keeper.config.models.map(\.id)
            }
            let deep = arguments.deep ?? false
            for id in ids { verifications.enqueue(.init(model: id, scope: .wholeModel(deep: deep), source: .verify)) }
            return try reply(VerifyResult(models: ids, deep: deep))
        case .pull, .repair:
            let arguments = try request.arguments(PullArguments.self)
            return try reply(try await downloads.pull(arguments.model, priority: arguments.priority))
        case .pause, .resume, .cancel:
            let arguments = try request.arguments(QueueControlArguments.self)
            var affected: [String] = []
            for id in try await chosenModels(arguments) {
                switch command {
                case .pause: affected.append(try await downloads.pause(id))
                case .resume: affected.append(try await downloads.resume(id))
                default: affected.append(try await downloads.cancel(id, discard: arguments.discard ?? false))
                }
            }
            return try reply(QueueControlResult(models: affected))
        case .priority:
            let arguments = try request.arguments(PriorityArguments.self)
            guard arguments.level != nil || arguments.first == true else {
                throw ProtocolError(.badRequest, "priority needs 'level' or 'first': true", hint: "levels: critical, high, normal, low")
            }
            let id = try await keeper.catalogModel(arguments.model).id
            return try reply(try await downloads.setPriority(id, level: arguments.level, first: arguments.first == true))
        case .limit:
            let arguments = try request.arguments(LimitArguments.self)
            guard arguments.bytesPerSecond >= 0 else {
                throw ProtocolError(.badRequest, "bytes_per_s cannot be negative", hint: "0 removes the limit")
            }
            var model: String?
            if let named = arguments.model { model = try await keeper.catalogModel(named).id }
            return try reply(await downloads.setLimit(arguments.bytesPerSecond, model: model))
        case .reload:
            switch await reloader.reload() {
            case .success(let result):
                return try reply(result)
            case .failure(let error):
                throw ProtocolError(
                    .configInvalid, "the configuration was not reloaded: \(error)",
                    hint: "fix it (modeld --check-config shows the problem) and reload again; the running configuration is unchanged")
            }
        }
    }

    /// The `model` argument a command cannot do without.
    private func requiredModel(_ request: Request, _ command: Command) throws(ProtocolError) -> String {
        guard let model = try request.arguments(ModelArgument.self).model else {
            throw ProtocolError(
                .badRequest, "argument \"model\" is required for \(command.rawValue)",
                hint: #"like {"cmd":"\#(command.rawValue)","model":"ti2v-5B"}"#)
        }
        return model
    }

    /// `model`, or every queued model with `all: true`: exactly one of them.
    private func chosenModels(_ arguments: QueueControlArguments) async throws(ProtocolError) -> [String] {
        switch (arguments.model, arguments.all == true) {
        case (let model?, false):
            return [try await keeper.catalogModel(model).id]
        case (nil, true):
            return await downloads.queuedModels()
        default:
            throw ProtocolError(.badRequest, "give either 'model' or 'all': true", hint: "e.g. {\"cmd\":\"pause\",\"all\":true}")
        }
    }

    /// PROTOCOL.md: read and use are open to anyone who can connect (the socket's mode
    /// and `socket_group` decide that); admin needs root, the daemon's user or a member of
    /// `admin_group`, by the groups the kernel reported for the peer.
    private func authorize(_ command: Command, _ peer: PeerCredentials?) async throws(ProtocolError) {
        guard command.access == .admin else { return }
        let group = await keeper.config.daemon.adminGroup
        let allowed: Bool
        do {
            allowed = try await io.run { () throws -> Bool in
                guard let peer else { return false }
                return try AdminPolicy(groupName: group).allows(peer)
            }
        } catch {
            throw ProtocolError(
                .internal, "whether you may run '\(command.rawValue)' could not be checked: \(error)",
                hint: "check the group database (getent group \(group)); journalctl -u modeld shows more")
        }
        guard allowed else {
            throw ProtocolError(
                .permissionDenied, "'\(command.rawValue)' is an admin command",
                hint: "run it as root, or join the '\(group)' group: sudo usermod -aG \(group) $USER, then log in again")
        }
    }
}
