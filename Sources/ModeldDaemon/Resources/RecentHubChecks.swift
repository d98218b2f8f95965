import ModeldCore
import Synchronization

/// The hub checks of the last `doctor`, reused for a few seconds while the config they
/// were asked with is unchanged: anyone who can connect may run `doctor`, and a loop of
/// it must not become a stream of hub requests made with the daemon's token.
final class RecentHubChecks: Sendable {
    static let life: Duration = .seconds(10)

    /// What the answers depend on.
    struct Question: Equatable, Sendable {
        var hub: HubSettings
        var token: Secret?
        var models: [CatalogModel]

        init(_ config: ModeldConfig) {
            (hub, token, models) = (config.hub, config.token, config.models)
        }
    }

    private struct Answer {
        var question: Question
        var asked: ContinuousClock.Instant
        var checks: [DoctorCheck]
    }

    private let last = Mutex<Answer?>(nil)

    /// The checks kept for `question` if they are recent, else those `ask` makes now.
    func checks(for question: Question, ask: () async -> [DoctorCheck]) async -> [DoctorCheck] {
        let kept = last.withLock { answer -> [DoctorCheck]? in
            guard let answer, answer.question == question, answer.asked.duration(to: .now) < Self.life else { return nil }
            return answer.checks
        }
        if let kept { return kept }
        let checks = await ask()
        last.withLock { $0 = Answer(question: question, asked: .now, checks: checks) }
        return checks
    }
}
