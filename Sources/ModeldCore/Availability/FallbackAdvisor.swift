/// Picks what can stand in for a model that cannot serve a job now, and what to download
/// when nothing is ready (PROTOCOL.md, "acquire" and "suggest"; wan22.md, "Who can stand
/// in for whom"). Pure: the caller passes the catalog, what is ready and the GPU memory.
public enum FallbackAdvisor {
    /// Models other than `requested` that can serve `needs`, the best first: ready ones,
    /// then by compatibility, quality and id. Models that cannot serve the task, or that
    /// do not fit a known amount of GPU memory, are left out: they could not run the job.
    public static func alternatives(
        to requested: CatalogModel, needs: Needs, catalog: [CatalogModel], ready: Set<String>, gpuVRAMGB: Int?
    ) -> [Alternative] {
        let vram = needs.vramGB ?? gpuVRAMGB
        // The caller's task wins; without one, the job is whatever the requested model does.
        let tasks = needs.task.map { [$0] } ?? requested.tasks
        let wanted = needs.resolution.flatMap(PixelSize.init(parsing:))
        let ranked = catalog.compactMap { candidate -> (alternative: Alternative, quality: Double)? in
            guard candidate.id != requested.id else { return nil }
            let fits = candidate.fits(vramGB: vram)
            guard fits != false, let task = taskMatch(candidate, tasks) else { return nil }
            let size = sizeMatch(candidate, wanted)
            let isReady = ready.contains(candidate.id)
            let reason = [task.phrase + size.phrase, vramPhrase(candidate, vram), isReady ? "ready" : "not ready"]
            let alternative = Alternative(
                model: candidate.id, ready: isReady, compatibility: roundedToHundredths(task.score * size.score),
                quality: wording(requested: requested.quality, candidate: candidate.quality),
                fitsVRAM: fits, reason: reason.joined(separator: "; "))
            return (alternative, candidate.quality)
        }
        return ranked.sorted { a, b in
            let (x, y) = (a.alternative, b.alternative)
            if x.ready != y.ready { return x.ready }
            if x.compatibility != y.compatibility { return x.compatibility > y.compatibility }
            if a.quality != b.quality { return a.quality > b.quality }
            return x.model < y.model
        }.map(\.alternative)
    }

    /// What to download when no model is ready at all. With known GPU memory: the best
    /// model that fits (a smaller download breaks a tie); with unknown memory: the one
    /// that needs the least, since it is the most likely to run. The output size is not
    /// weighed: any model that runs beats the mock output.
    public static func setup(catalog: [CatalogModel], needs: Needs, gpuVRAMGB: Int?) -> SetupAdvice {
        guard !catalog.isEmpty else {
            return SetupAdvice(
                message: "No model is in the catalog: add a [[model]] to the configuration (/etc/modeld/modeld.toml or a file in /etc/modeld/modeld.d/), then run modelctl reload.")
        }
        let serving = needs.task.map { task in catalog.filter { $0.tasks.contains(task) } } ?? catalog
        if serving.isEmpty, let task = needs.task {
            return SetupAdvice(
                message: "No model is ready, and no model in the catalog serves \(task); add a [[model]] that does to the configuration.")
        }
        // From here `serving` is not empty, so the `min` below always finds one.
        let forTask = needs.task.map { " that serves \($0)" } ?? ""
        guard let vram = needs.vramGB ?? gpuVRAMGB else {
            let pick = serving.min { lessVRAM($0, $1) }!
            let need = pick.minVRAMGB == 0 ? "no stated minimum" : "\(pick.minVRAMGB) GB"
            return advice(pick, "No model is ready. GPU memory is unknown; \(pick.id) needs the least VRAM (\(need))")
        }
        guard let pick = serving.filter({ $0.fits(vramGB: vram) == true }).min(by: { better($0, $1) }) else {
            let smallest = serving.min { lessVRAM($0, $1) }!
            return SetupAdvice(
                message: "No model is ready, and no model in the catalog\(forTask) fits \(vram) GB of VRAM; the smallest, \(smallest.id), needs \(smallest.minVRAMGB) GB.")
        }
        let need = pick.minVRAMGB == 0 ? "no stated minimum" : "\(pick.minVRAMGB) GB needed"
        return advice(pick, "No model is ready. \(pick.id) fits this GPU (\(need), \(vram) GB here)")
    }

    // MARK: - Setup helpers

    private static func advice(_ model: CatalogModel, _ lead: String) -> SetupAdvice {
        let command = "modelctl pull \(model.id)"
        // The catalog's size is approximate (the manifest is the truth), hence "about".
        let amount = model.approxSize.map { "about \(ByteSize.format($0.bytes))" } ?? "an amount the catalog does not state"
        return SetupAdvice(
            model: model.id, sizeBytes: model.approxSize?.bytes, command: command,
            message: "\(lead): \(command) downloads \(amount).")
    }

    /// Higher quality first; an equal one is better as a smaller download (unknown size last).
    private static func better(_ a: CatalogModel, _ b: CatalogModel) -> Bool {
        if a.quality != b.quality { return a.quality > b.quality }
        let (sa, sb) = (a.approxSize?.bytes ?? .max, b.approxSize?.bytes ?? .max)
        return sa != sb ? sa < sb : a.id < b.id
    }

    /// The smallest VRAM need first; an equal one is decided by `better`.
    private static func lessVRAM(_ a: CatalogModel, _ b: CatalogModel) -> Bool {
        a.minVRAMGB != b.minVRAMGB ? a.minVRAMGB < b.minVRAMGB : better(a, b)
    }

    // MARK: - Ranking rules

    /// "needs 80 GB of VRAM, this GPU has 24 GB", for an alternative's reason.
    private static func vramPhrase(_ model: CatalogModel, _ vram: Int?) -> String {
        let need = model.minVRAMGB == 0 ? "no stated VRAM minimum" : "needs \(model.minVRAMGB) GB of VRAM"
        return vram.map { "\(need), this GPU has \($0) GB" } ?? "\(need); GPU memory unknown"
    }

    /// The share of the job's tasks the candidate serves; nil when it serves none, since
    /// it cannot do the job at all. An unknown job (no task anywhere) constrains nothing.
    private static func taskMatch(_ model: CatalogModel, _ tasks: [String]) -> (score: Double, phrase: String)? {
        guard !tasks.isEmpty else {
            return (1, model.tasks.isEmpty ? "tasks not listed" : "serves \(model.tasks.joined(separator: ", "))")
        }
        let served = tasks.filter(model.tasks.contains)
        guard !served.isEmpty else { return nil }
        let missing = tasks.filter { !served.contains($0) }
        let phrase = "serves \(served.joined(separator: ", "))" + (missing.isEmpty ? "" : " (not \(missing.joined(separator: ", ")))")
        return (Double(served.count) / Double(tasks.count), phrase)
    }

    /// 1 for the exact size; a size of the same orientation loses a little (0.9) and more
    /// as its pixel count departs from the one asked, never below 0.5, because the
    /// generation still frames the scene the same way; only the other orientation: 0.5.
    /// No size asked, a size that is not `W*H`, or a candidate listing no sizes: 1, since
    /// nothing is known against it.
    private static func sizeMatch(_ model: CatalogModel, _ wanted: PixelSize?) -> (score: Double, phrase: String) {
        guard let wanted else { return (1, "") }
        let sizes = model.sizes.compactMap(PixelSize.init(parsing:))
        if sizes.isEmpty { return (1, ", sizes not listed") }
        if sizes.contains(wanted) { return (1, " at \(wanted)") }
        let same = sizes.filter { $0.orientation == wanted.orientation }
        let pool = same.isEmpty ? sizes : same
        let closest = pool.max { wanted.pixelRatio(to: $0) < wanted.pixelRatio(to: $1) }!
        let score = same.isEmpty ? 0.5 : max(0.5, 0.9 * wanted.pixelRatio(to: closest))
        return (score, " at \(closest) (not \(wanted))")
    }

    /// The catalog's quality is a relative number: a gap up to 0.05 is noise between
    /// hand-set values, up to 0.25 a tier (A14B 1.0 against 5B 0.8). A better candidate
    /// is "similar": the wording warns of a loss, it does not promise a gain.
    private static func wording(requested: Double, candidate: Double) -> QualityWording {
        // Rounded first: 1.0 - 0.95 is 0.05000000000000004 in binary.
        let gap = roundedToHundredths(requested - candidate)
        if gap <= 0.05 { return .similar }
        if gap <= 0.25 { return .slightlyLower }
        return .significantlyLower
    }

    private static func roundedToHundredths(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }
}

/// An output size as Wan2.2 writes it, `"1280*720"` (`x` also accepted).
private struct PixelSize: Equatable, CustomStringConvertible {
    enum Orientation { case landscape, portrait, square }

    var width: Int
    var height: Int

    init?(parsing text: String) {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "*" || $0 == "x" })
            .map { Int($0.filter { !$0.isWhitespace }) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0 else { return nil }
        (width, height) = (w, h)
    }

    var orientation: Orientation {
        width > height ? .landscape : width < height ? .portrait : .square
    }

    /// min/max of the two pixel counts: 1 for the same area, toward 0 as they part.
    /// In doubles: a client's `"9223372036854775807*2"` overflows an Int product.
    func pixelRatio(to other: PixelSize) -> Double {
        let (a, b) = (Double(width) * Double(height), Double(other.width) * Double(other.height))
        return min(a, b) / max(a, b)
    }

    var description: String { "\(width)*\(height)" }
}
