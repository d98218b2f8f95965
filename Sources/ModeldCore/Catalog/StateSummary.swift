/// The one-line summary systemd shows in `systemctl status` (`STATUS=`):
/// "3 models: 1 available, 2 missing".
public enum StateSummary {
    public static func line(_ states: [ModelState]) -> String {
        guard !states.isEmpty else { return "no models in the catalog" }
        let counts = Dictionary(states.map { ($0, 1) }, uniquingKeysWith: +)
        // In the order of PROTOCOL.md, so the line reads the same every time.
        let parts = ModelState.allCases.compactMap { state in counts[state].map { "\($0) \(state.rawValue)" } }
        let noun = states.count == 1 ? "model" : "models"
        return "\(states.count) \(noun): " + parts.joined(separator: ", ")
    }
}
