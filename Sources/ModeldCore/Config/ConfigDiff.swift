import Foundation

/// Which keys differ between two configurations (`downloads.bytes_per_s`,
/// `model.ti2v-5B.auto_download`), for the `config.reloaded` event and the log.
public enum ConfigDiff {
    public static func changedKeys(from old: ModeldConfig, to new: ModeldConfig) -> [String] {
        var changed = Set<String>()
        let before = flatten(old)
        let after = flatten(new)
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changed.insert(key)
        }
        if old.token != new.token { changed.insert("hub.token") }
        return changed.sorted()
    }

    /// Leaf paths to their JSON text. Models are keyed by id, not position, so reordering
    /// the catalog changes nothing.
    private static func flatten(_ config: ModeldConfig) -> [String: String] {
        var leaves: [String: String] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func add<T: Encodable>(_ prefix: String, _ value: T) {
            guard let data = try? encoder.encode(value),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return }
            for (key, leaf) in object {
                let text = (try? JSONSerialization.data(withJSONObject: leaf, options: [.sortedKeys, .fragmentsAllowed]))
                    .flatMap { String(data: $0, encoding: .utf8) }
                leaves["\(prefix).\(key)"] = text ?? "\(leaf)"
            }
        }
        add("daemon", config.daemon)
        add("hub", config.hub)
        add("downloads", config.downloads)
        add("verify", config.verify)
        add("disk", config.disk)
        add("updates", config.updates)
        add("usage", config.usage)
        add("gpu", config.gpu)
        add("metrics", config.metrics)
        for model in config.models { add("model.\(model.id)", model) }
        return leaves
    }
}
