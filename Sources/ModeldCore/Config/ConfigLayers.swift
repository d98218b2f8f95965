import Foundation
import TOMLKit

/// Turns config texts into a `ModeldConfig`: the main file, then drop-ins in name
/// order, each decoded on top of the ones before, then the environment. Pure: the
/// texts are read by the caller.
public enum ConfigLayers {
    /// One config file's name (for messages) and text.
    public struct Layer: Sendable {
        public var name: String
        public var text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    /// Decodes `layers` over `base`. Throws the first error, located in its file.
    public static func decode(_ layers: [Layer], over base: ModeldConfig) throws(ConfigError) -> ModeldConfig {
        var config = base
        for layer in layers {
            config = try decode(layer, over: config)
        }
        return config
    }

    static func decode(_ layer: Layer, over below: ModeldConfig) throws(ConfigError) -> ModeldConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: layer.text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: layer.name, line: error.source.begin.line, column: error.source.begin.column,
                message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(file: layer.name, message: "not valid TOML: \(error)")
        }
        var decoder = TOMLDecoder(strictDecoding: true)
        decoder.userInfo[.configBelow] = below
        do {
            return try decoder.decode(ModeldConfig.self, from: table)
        } catch {
            throw locate(error, in: layer)
        }
    }

    /// Names the file, line and key of a decoding error, in words a person can act on.
    static func locate(_ error: any Error, in layer: Layer) -> ConfigError {
        let locator = TOMLKeyLocator(text: layer.text)
        func located(_ path: [any CodingKey], _ message: String) -> ConfigError {
            let key = dotted(path)
            return ConfigError(file: layer.name, line: key.flatMap(locator.line(of:)), key: key, message: message)
        }
        switch error {
        case let error as UnexpectedKeysError:
            let (name, path) = error.keys.sorted { $0.key < $1.key }.first ?? ("?", [])
            let keyPath = path.last?.stringValue == name ? path : path + [PlainKey(name)]
            return located(keyPath, "unknown key; CONFIG.md and `modeld --check-config` list the keys")
        case DecodingError.keyNotFound(let key, let context):
            // TOMLKit's context already ends with the missing key; Foundation's does not.
            let path = context.codingPath.last?.stringValue == key.stringValue ? context.codingPath : context.codingPath + [key]
            return located(path, "missing; this key is required here")
        case DecodingError.typeMismatch(let type, let context):
            return located(context.codingPath, "expected \(describe(type))")
        case DecodingError.valueNotFound(let type, let context):
            return located(context.codingPath, "expected \(describe(type))")
        case DecodingError.dataCorrupted(let context):
            return located(context.codingPath, context.debugDescription)
        default:
            return ConfigError(file: layer.name, message: "\(error)")
        }
    }

    /// `[daemon, socket]` → `daemon.socket`; `[model, Index 1, repo]` → `model[1].repo`.
    static func dotted(_ path: [any CodingKey]) -> String? {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? nil : text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string in quotes"
        case is [String].Type: "a list of strings, like [\"a\", \"b\"]"
        default: "a value of another kind (see CONFIG.md)"
        }
    }
}

private struct PlainKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
