import Foundation

/// A shard index, `*.safetensors.index.json`: which shard file holds each tensor of a
/// model split over several `.safetensors` files. Checked so that a missing, stray or
/// mixed-up shard is caught from headers alone, before any hashing.
///
/// Shard names are file names relative to the index's own folder: in Wan repos
/// `high_noise_model/diffusion_pytorch_model.safetensors.index.json` names
/// `diffusion_pytorch_model-00001-of-00006.safetensors` in `high_noise_model/`. The index
/// comes from the network, so a name that could leave that folder is refused when parsed.
public struct ShardIndex: Sendable, Equatable {
    /// `metadata.total_size`, when it is a whole number. Informational only (it counts
    /// tensor bytes, not file bytes), so an odd value is ignored rather than a problem.
    public var totalSize: Int64?
    /// Tensor name → shard file name.
    public var weightMap: [String: String]

    public init(totalSize: Int64?, weightMap: [String: String]) {
        self.totalSize = totalSize
        self.weightMap = weightMap
    }

    /// The shard files the index names.
    public var shards: Set<String> { Set(weightMap.values) }

    /// Reads an index file's bytes. Throws on anything that makes the index unusable,
    /// including a shard name that is not a plain file name.
    public static func parse(_ data: Data) throws(StructureProblem) -> ShardIndex {
        let raw: RawIndex
        do {
            raw = try JSONDecoder().decode(RawIndex.self, from: data)
        } catch let problem as StructureProblem {
            throw problem
        } catch {
            throw .indexNotJSON(detail: StructureJSON.syntaxDetail(data))
        }
        for shard in Set(raw.weightMap.values).sorted() {
            if let reason = unsafeReason(shard) { throw .unsafeShardName(shard: shard, reason: reason) }
        }
        return ShardIndex(totalSize: raw.totalSize, weightMap: raw.weightMap)
    }

    /// Every way the shards on disk disagree with the index, in a stable order.
    /// - Parameters:
    ///   - presentShards: the shard files in the index's folder, by file name (the caller
    ///     decides which files are shards, typically the `.safetensors` files there).
    ///   - tensorsByShard: each shard's tensor names from its header, when they were read;
    ///     shards absent from it are not compared.
    public func problems(presentShards: Set<String>, tensorsByShard: [String: Set<String>]?) -> [StructureProblem] {
        let named = shards
        var problems: [StructureProblem] = named.subtracting(presentShards).sorted().map { .shardMissing(shard: $0) }
        problems += presentShards.subtracting(named).sorted().map { .shardNotInIndex(shard: $0) }
        guard let tensorsByShard else { return problems }

        var mapped: [String: Set<String>] = [:]
        for (tensor, shard) in weightMap { mapped[shard, default: []].insert(tensor) }
        for shard in named.intersection(presentShards).sorted() {
            guard let actual = tensorsByShard[shard], let expected = mapped[shard], actual != expected else { continue }
            problems.append(
                .shardTensorsDiffer(
                    shard: shard, missing: expected.subtracting(actual).sorted(),
                    unexpected: actual.subtracting(expected).sorted()))
        }
        return problems
    }

    /// Why a shard name is not a plain file name in the index's folder, or nil if it is.
    private static func unsafeReason(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.contains("/") || name.contains("\\") { return "it contains a path separator" }
        if name == "." || name == ".." { return "it is '\(name)'" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "it contains a NUL or control character"
        }
        if name.utf8.count > 255 { return "it is longer than 255 bytes" }
        return nil
    }

    /// The index as written. Throws `StructureProblem`s (JSONDecoder passes them through)
    /// so that "no weight_map" and "not an object" read as such, not as "not JSON".
    private struct RawIndex: Decodable {
        var totalSize: Int64?
        var weightMap: [String: String]

        init(from decoder: any Decoder) throws {
            let container: KeyedDecodingContainer<StructureJSON.Key>
            do { container = try decoder.container(keyedBy: StructureJSON.Key.self) } catch {
                let found = StructureJSON.kind(of: try decoder.singleValueContainer())
                throw StructureProblem.indexMalformed(reason: "it is \(found), not a JSON object")
            }
            let weightMapKey = StructureJSON.Key("weight_map")
            guard container.contains(weightMapKey) else { throw StructureProblem.indexMissingWeightMap }
            do { weightMap = try container.decode([String: String].self, forKey: weightMapKey) } catch {
                throw StructureProblem.indexMalformed(reason: "weight_map must map tensor names to shard file names")
            }
            totalSize = Self.totalSize(in: container)
        }

        /// Some writers store total_size as a float (`1.6e10`); a whole value is kept.
        private static func totalSize(in container: KeyedDecodingContainer<StructureJSON.Key>) -> Int64? {
            let metadata = try? container.nestedContainer(keyedBy: StructureJSON.Key.self, forKey: .init("metadata"))
            guard let metadata else { return nil }
            let key = StructureJSON.Key("total_size")
            if let size = try? metadata.decode(Int64.self, forKey: key) { return size >= 0 ? size : nil }
            guard let size = try? metadata.decode(Double.self, forKey: key) else { return nil }
            return Int64(exactly: size).flatMap { $0 >= 0 ? $0 : nil }
        }
    }
}
