import ModeldCore
import ModeldProtocol

/// Why a file's download ended without the file.
enum DownloadFailure: Error, Sendable {
    /// Paused, cancelled, pre-empted by a more urgent model, or the daemon is stopping:
    /// what was written stays, with its journal.
    case stopped
    /// The store's filesystem is full: the model is paused, nothing verified is lost.
    case noSpace(ProtocolError)
    /// Retries are spent, or no retry can help (gated, not found).
    case failed(ProtocolError)

    var isStopped: Bool { if case .stopped = self { true } else { false } }

    /// The hub's answer or the transport's failure as the protocol names it.
    static func error(_ failure: HubFailure) -> ProtocolError {
        let code: ErrorCode = switch failure.kind {
        case .transient, .offline: .network
        case .gated: .gated
        case .notFound: .notFound
        case .hubError: .hubError
        }
        return ProtocolError(code, failure.message, hint: failure.hint)
    }

    static func diskFull(_ detail: String, model: String) -> DownloadFailure {
        .noSpace(ProtocolError(
            .noSpace, "the store's filesystem is full: \(detail)",
            hint: "free some space (modelctl status shows what is free), then: modelctl resume \(model)"))
    }

    /// The manual steps, in plain words, for a download that failed or paused on `error`.
    static func steps(for error: ProtocolError, model: CatalogModel, endpoint: String) -> [String] {
        let retry = "retry: modelctl pull \(model.id)"
        switch error.code {
        case .gated:
            return [
                "accept the model's conditions on \(endpoint)/\(model.repo) with your account",
                "give modeld a token that may read it: HF_TOKEN in the service's environment, or [hub] token_file, then modelctl reload",
                retry,
            ]
        case .notFound:
            return [
                "check repo = \"\(model.repo)\" and revision = \"\(model.revision)\" in the model's [[model]] entry",
                "check that HF_ENDPOINT (or [hub] endpoint, now \(endpoint)) is the hub or a complete mirror",
                retry,
            ]
        case .noSpace:
            return [
                "free space on the store's filesystem: remove models you no longer use, or other files",
                "or lower [disk] reserve if it is larger than you need",
                "then: modelctl resume \(model.id)",
            ]
        default:
            return [
                "check the network and any proxy: curl -I \(endpoint)",
                "check HF_ENDPOINT (or [hub] endpoint, now \(endpoint)); [hub] mirrors can name a fallback server",
                "check the free space of the store: modelctl status",
                retry,
            ]
        }
    }
}
