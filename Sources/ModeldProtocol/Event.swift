import Foundation
import ModeldCore

/// Something that happened, sent to subscribers as
/// `{"event":"model.state","seq":N,"time":"…",…fields}`. `seq` is per connection, so it
/// is added by the connection that writes the event.
public struct Event: Sendable, Equatable {
    public var payload: Payload
    public var time: Date

    public init(_ payload: Payload, time: Date = Date()) {
        self.payload = payload
        self.time = time
    }

    public enum Payload: Sendable, Equatable {
        /// The signal a service that fell back to mock output waits for (`to: available`).
        case modelState(model: String, from: ModelState, to: ModelState, reason: String)
        case configReloaded(changed: [String])
        case verifyProgress(model: String, filesDone: Int, filesTotal: Int)
        /// A verification finished: the model's state and the counts behind it.
        case verifyDone(model: String, state: ModelState, verified: Int, missing: Int, corrupted: Int)
        case integrityDamaged(model: String, file: String, damagedRanges: [ByteRange], reason: String, source: IntegritySource)
        case integrityMissing(model: String, files: [String], source: IntegritySource)
        /// At most a few per second per model.
        case downloadProgress(model: String, bytesDone: Int64, bytesTotal: Int64, speedBytesPerSecond: Int64, etaSeconds: Int64?)
        case downloadRetry(model: String, file: String, attempt: Int, max: Int, delaySeconds: Double, error: String)
        case downloadDone(model: String, bytesFetched: Int64, retries: Int)
        case downloadFailed(model: String, error: ProtocolError)
        case repairDone(model: String, file: String, bytesFetched: Int64)
        /// The store's filesystem dropped under `[disk] warn_below`, with what would free space.
        case diskLow(path: String, freeBytes: Int64, thresholdBytes: Int64, suggestions: [Recommendation])
        /// A new revision (`update.available`), switched to (`update.applied`), an update
        /// that failed before the switch (`update.failed`, with the error), or a switch
        /// back (`update.rolled_back`, with the reason).
        case update(UpdateNews, model: String, current: String?, latest: String, detail: String?)
        /// A staged update's bytes, at most twice a second per model.
        case updateProgress(model: String, latest: String, bytesDone: Int64, bytesTotal: Int64, speedBytesPerSecond: Int64, etaSeconds: Int64?)
        /// Sent to a subscriber that could not keep up, before it is disconnected.
        case lagged(dropped: Int)
        /// A model's generations got slower or fail more (`degraded`), or are back to
        /// their baseline (`recovered`); `suggestion` names the likely cause's remedy.
        case health(HealthNews, model: String, metric: String, baseline: Double, current: Double, suggestion: Recommendation)
        /// An adoption's hashing, after each file and every few hundred MB.
        case adoptProgress(model: String, filesDone: Int, filesTotal: Int, bytesDone: Int64, bytesTotal: Int64)
        case adoptDone(AdoptReport)
    }

    public enum UpdateNews: String, Sendable, Equatable {
        case available, applied, failed, rolledBack = "rolled_back"
    }

    /// What a `health.*` event says.
    public enum HealthNews: String, Sendable, Equatable {
        case degraded, recovered
    }

    public var name: String {
        switch payload {
        case .modelState: "model.state"
        case .configReloaded: "config.reloaded"
        case .verifyProgress: "verify.progress"
        case .verifyDone: "verify.done"
        case .integrityDamaged: "integrity.damaged"
        case .integrityMissing: "integrity.missing"
        case .downloadProgress: "download.progress"
        case .downloadRetry: "download.retry"
        case .downloadDone: "download.done"
        case .downloadFailed: "download.failed"
        case .repairDone: "repair.done"
        case .diskLow: "disk.low"
        case .update(let news, _, _, _, _): "update.\(news.rawValue)"
        case .updateProgress: "update.progress"
        case .lagged: "lagged"
        case .health(let news, _, _, _, _, _): "health.\(news.rawValue)"
        case .adoptProgress: "adopt.progress"
        case .adoptDone: "adopt.done"
        }
    }

    /// The model the event is about, for `subscribe`'s `models` filter.
    public var model: String? {
        switch payload {
        case .modelState(let model, _, _, _), .verifyProgress(let model, _, _), .verifyDone(let model, _, _, _, _),
            .integrityDamaged(let model, _, _, _, _), .integrityMissing(let model, _, _),
            .downloadProgress(let model, _, _, _, _), .downloadRetry(let model, _, _, _, _, _), .downloadDone(let model, _, _),
            .downloadFailed(let model, _), .repairDone(let model, _, _), .update(_, let model, _, _, _),
            .updateProgress(let model, _, _, _, _, _), .health(_, let model, _, _, _, _),
            .adoptProgress(let model, _, _, _, _):
            model
        case .adoptDone(let report):
            report.model
        case .configReloaded, .diskLow, .lagged:
            nil
        }
    }

    /// The event as one line for connection sequence number `seq`.
    public func line(seq: Int) throws -> Data {
        try WireCodec.line(Wire(event: self, seq: seq))
    }

    private struct Wire: Encodable {
        var event: Event
        var seq: Int

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: EventField.self)
            try c.encode(event.name, forKey: .event)
            try c.encode(seq, forKey: .seq)
            try c.encode(event.time, forKey: .time)
            switch event.payload {
            case .modelState(let model, let from, let to, let reason):
                try c.encode(model, forKey: .model)
                try c.encode(from, forKey: .from)
                try c.encode(to, forKey: .to)
                try c.encode(reason, forKey: .reason)
            case .configReloaded(let changed):
                try c.encode(changed, forKey: .changed)
            case .lagged(let dropped):
                try c.encode(dropped, forKey: .dropped)
            case .verifyProgress(let model, let done, let total):
                try c.encode(model, forKey: .model)
                try c.encode(done, forKey: .filesDone)
                try c.encode(total, forKey: .filesTotal)
            case .verifyDone(let model, let state, let verified, let missing, let corrupted):
                try c.encode(model, forKey: .model)
                try c.encode(state, forKey: .state)
                try c.encode(verified, forKey: .verified)
                try c.encode(missing, forKey: .missing)
                try c.encode(corrupted, forKey: .corrupted)
            case .integrityDamaged(let model, let file, let ranges, let reason, let source):
                try c.encode(model, forKey: .model)
                try c.encode(file, forKey: .file)
                try c.encode(ranges, forKey: .damagedRanges)
                try c.encode(reason, forKey: .reason)
                try c.encode(source, forKey: .source)
            case .integrityMissing(let model, let files, let source):
                try c.encode(model, forKey: .model)
                try c.encode(files, forKey: .files)
                try c.encode(source, forKey: .source)
            case .downloadProgress(let model, let done, let total, let speed, let eta):
                try c.encode(model, forKey: .model)
                try c.encode(done, forKey: .bytesDone)
                try c.encode(total, forKey: .bytesTotal)
                try c.encode(speed, forKey: .speed)
                try c.encode(eta, forKey: .eta)
            case .downloadRetry(let model, let file, let attempt, let max, let delay, let error):
                try c.encode(model, forKey: .model)
                try c.encode(file, forKey: .file)
                try c.encode(attempt, forKey: .attempt)
                try c.encode(max, forKey: .max)
                try c.encode(delay, forKey: .delay)
                try c.encode(error, forKey: .error)
            case .downloadDone(let model, let fetched, let retries):
                try c.encode(model, forKey: .model)
                try c.encode(fetched, forKey: .bytesFetched)
                try c.encode(retries, forKey: .retries)
            case .downloadFailed(let model, let error):
                try c.encode(model, forKey: .model)
                try c.encode(error, forKey: .error)
            case .repairDone(let model, let file, let fetched):
                try c.encode(model, forKey: .model)
                try c.encode(file, forKey: .file)
                try c.encode(fetched, forKey: .bytesFetched)
            case .update(_, let model, let current, let latest, let detail):
                try c.encode(model, forKey: .model)
                try c.encode(current, forKey: .current)
                try c.encode(latest, forKey: .latest)
                try c.encodeIfPresent(detail, forKey: .reason)
            case .updateProgress(let model, let latest, let done, let total, let speed, let eta):
                try c.encode(model, forKey: .model)
                try c.encode(latest, forKey: .latest)
                try c.encode(done, forKey: .bytesDone)
                try c.encode(total, forKey: .bytesTotal)
                try c.encode(speed, forKey: .speed)
                try c.encode(eta, forKey: .eta)
            case .health(_, let model, let metric, let baseline, let current, let suggestion):
                try c.encode(model, forKey: .model)
                try c.encode(metric, forKey: .metric)
                try c.encode(baseline, forKey: .baseline)
                try c.encode(current, forKey: .current)
                try c.encode(suggestion, forKey: .suggestion)
            case .adoptProgress(let model, let filesDone, let filesTotal, let bytesDone, let bytesTotal):
                try c.encode(model, forKey: .model)
                try c.encode(filesDone, forKey: .filesDone)
                try c.encode(filesTotal, forKey: .filesTotal)
                try c.encode(bytesDone, forKey: .bytesDone)
                try c.encode(bytesTotal, forKey: .bytesTotal)
            case .adoptDone(let report):
                try c.encode(report.model, forKey: .model)
                try c.encode(report, forKey: .report)
            case .diskLow(let path, let free, let threshold, let suggestions):
                try c.encode(path, forKey: .path)
                try c.encode(free, forKey: .freeBytes)
                try c.encode(threshold, forKey: .thresholdBytes)
                try c.encode(suggestions, forKey: .suggestions)
            }
        }
    }
}

/// The fields of an event line, written by `Event` and read back by `ClientEvent`.
enum EventField: String, CodingKey {
    case event, seq, time, model, from, to, reason, changed, dropped, file, files, source, state, verified, missing
    case corrupted, filesDone = "files_done", filesTotal = "files_total", damagedRanges = "damaged_ranges"
    case bytesDone = "bytes_done", bytesTotal = "bytes_total", speed = "speed_bps", eta = "eta_s", attempt, max
    case delay = "delay_s", error, bytesFetched = "bytes_fetched", retries
    case path, freeBytes = "free_bytes", thresholdBytes = "threshold_bytes", suggestions, current, latest
    case metric, baseline, suggestion, report
}
