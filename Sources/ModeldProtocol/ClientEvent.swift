import Foundation
import ModeldCore

/// An event line as a subscriber reads it: always its name and `seq`, and the typed
/// `Event` when this version knows the name, so events of a newer daemon pass through.
public struct ClientEvent: Sendable, Equatable {
    public var name: String
    public var seq: Int?
    /// Nil for an event this version does not know, or whose fields it cannot read.
    public var event: Event?

    public init(name: String, seq: Int?, event: Event?) {
        self.name = name
        self.seq = seq
        self.event = event
    }

    /// One line after `subscribe`; throws when it is not an object with an `event` name.
    public init(line: Data) throws {
        self = try WireCodec.decoder.decode(ClientEvent.self, from: line)
    }
}

extension ClientEvent: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EventField.self)
        name = try c.decode(String.self, forKey: .event)
        seq = try? c.decodeIfPresent(Int.self, forKey: .seq)
        let time = (try? c.decodeIfPresent(Date.self, forKey: .time)) ?? Date()
        event = (try? Self.payload(name, c)).map { Event($0, time: time) }
    }

    /// The payload of a known event; nil for an unknown name, throws when a field is wrong.
    private static func payload(_ name: String, _ c: KeyedDecodingContainer<EventField>) throws -> Event.Payload? {
        func model() throws -> String { try c.decode(String.self, forKey: .model) }
        switch name {
        case "model.state":
            return .modelState(
                model: try model(), from: try c.decode(ModelState.self, forKey: .from),
                to: try c.decode(ModelState.self, forKey: .to), reason: try c.decodeIfPresent(String.self, forKey: .reason) ?? "")
        case "config.reloaded":
            return .configReloaded(changed: try c.decode([String].self, forKey: .changed))
        case "verify.progress":
            return .verifyProgress(
                model: try model(), filesDone: try c.decode(Int.self, forKey: .filesDone),
                filesTotal: try c.decode(Int.self, forKey: .filesTotal))
        case "verify.done":
            return .verifyDone(
                model: try model(), state: try c.decode(ModelState.self, forKey: .state),
                verified: try c.decode(Int.self, forKey: .verified), missing: try c.decode(Int.self, forKey: .missing),
                corrupted: try c.decode(Int.self, forKey: .corrupted))
        case "disk.low":
            return .diskLow(
                path: try c.decode(String.self, forKey: .path), freeBytes: try c.decode(Int64.self, forKey: .freeBytes),
                thresholdBytes: try c.decode(Int64.self, forKey: .thresholdBytes),
                suggestions: try c.decode([Recommendation].self, forKey: .suggestions))
        case "integrity.damaged":
            return .integrityDamaged(
                model: try model(), file: try c.decode(String.self, forKey: .file),
                damagedRanges: try c.decode([ByteRange].self, forKey: .damagedRanges),
                reason: try c.decode(String.self, forKey: .reason), source: try c.decode(IntegritySource.self, forKey: .source))
        case "integrity.missing":
            return .integrityMissing(
                model: try model(), files: try c.decode([String].self, forKey: .files),
                source: try c.decode(IntegritySource.self, forKey: .source))
        case "download.progress":
            return .downloadProgress(
                model: try model(), bytesDone: try c.decode(Int64.self, forKey: .bytesDone),
                bytesTotal: try c.decode(Int64.self, forKey: .bytesTotal),
                speedBytesPerSecond: try c.decode(Int64.self, forKey: .speed), etaSeconds: try c.decodeIfPresent(Int64.self, forKey: .eta))
        case "download.retry":
            return .downloadRetry(
                model: try model(), file: try c.decode(String.self, forKey: .file), attempt: try c.decode(Int.self, forKey: .attempt),
                max: try c.decode(Int.self, forKey: .max), delaySeconds: try c.decode(Double.self, forKey: .delay),
                error: try c.decode(String.self, forKey: .error))
        case "download.done":
            return .downloadDone(
                model: try model(), bytesFetched: try c.decodeIfPresent(Int64.self, forKey: .bytesFetched) ?? 0,
                retries: try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0)
        case "download.failed":
            return .downloadFailed(model: try model(), error: try c.decode(ProtocolError.self, forKey: .error))
        case "repair.done":
            return .repairDone(
                model: try model(), file: try c.decode(String.self, forKey: .file),
                bytesFetched: try c.decode(Int64.self, forKey: .bytesFetched))
        case "adopt.progress":
            return .adoptProgress(
                model: try model(), filesDone: try c.decode(Int.self, forKey: .filesDone), filesTotal: try c.decode(Int.self, forKey: .filesTotal),
                bytesDone: try c.decode(Int64.self, forKey: .bytesDone), bytesTotal: try c.decode(Int64.self, forKey: .bytesTotal))
        case "adopt.done":
            return .adoptDone(try c.decode(AdoptReport.self, forKey: .report))
        case "lagged":
            return .lagged(dropped: try c.decode(Int.self, forKey: .dropped))
        case "update.progress":
            return .updateProgress(
                model: try model(), latest: try c.decode(String.self, forKey: .latest),
                bytesDone: try c.decode(Int64.self, forKey: .bytesDone), bytesTotal: try c.decode(Int64.self, forKey: .bytesTotal),
                speedBytesPerSecond: try c.decode(Int64.self, forKey: .speed), etaSeconds: try c.decodeIfPresent(Int64.self, forKey: .eta))
        case _ where name.hasPrefix("update."):
            guard let news = Event.UpdateNews(rawValue: String(name.dropFirst("update.".count))) else { return nil }
            return .update(
                news, model: try model(), current: try c.decodeIfPresent(String.self, forKey: .current),
                latest: try c.decode(String.self, forKey: .latest), detail: try c.decodeIfPresent(String.self, forKey: .reason))
        case _ where name.hasPrefix("health."):
            guard let news = Event.HealthNews(rawValue: String(name.dropFirst("health.".count))) else { return nil }
            return .health(
                news, model: try model(), metric: try c.decode(String.self, forKey: .metric),
                baseline: try c.decode(Double.self, forKey: .baseline), current: try c.decode(Double.self, forKey: .current),
                suggestion: try c.decode(Recommendation.self, forKey: .suggestion))
        default:
            return nil
        }
    }
}
