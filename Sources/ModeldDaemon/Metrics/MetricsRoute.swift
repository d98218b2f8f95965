/// What the metrics endpoint answers a request, decided by its method and target alone:
/// `/metrics` (a query string ignored, as Prometheus may add one) by `GET` or `HEAD`,
/// nothing else. Read-only by construction: no request changes anything.
enum MetricsRoute: Equatable {
    case exposition(withBody: Bool)
    case notFound
    case methodNotAllowed

    init(method: String, target: String) {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch (path, method) {
        case ("/metrics", "GET"): self = .exposition(withBody: true)
        case ("/metrics", "HEAD"): self = .exposition(withBody: false)
        case ("/metrics", _): self = .methodNotAllowed
        default: self = .notFound
        }
    }

    /// The status code, and the one line a person reading the answer is told.
    var refusal: (code: Int, text: String)? {
        switch self {
        case .exposition: nil
        case .notFound: (404, "modeld serves only /metrics here\n")
        case .methodNotAllowed: (405, "/metrics answers GET and HEAD only\n")
        }
    }
}
