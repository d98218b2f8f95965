import CCurl
import ModeldCore

/// A transfer that failed below HTTP: libcurl's code and words, or an answer too large.
public enum TransferError: Error, Sendable, CustomStringConvertible {
    case curl(operation: String, code: CURLcode, detail: String)
    case tooLarge(url: String, limit: Int)
    /// The server answered, but not with what was asked (another range, more bytes than
    /// asked): nothing of it past the point of refusal is written.
    case wrongAnswer(url: String, reason: String)

    public var description: String {
        switch self {
        case .curl(let operation, let code, let detail): "\(operation): \(detail) (curl error \(code.rawValue))"
        case .tooLarge(let url, let limit): "\(url): the answer is larger than \(limit) bytes"
        case .wrongAnswer(let url, let reason): "\(url): \(reason)"
        }
    }

    /// The server's TLS certificate is not one modeld trusts, or the CA file cannot be
    /// read: no retry changes that, so the next server is asked at once.
    public var isUntrustedServer: Bool { code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE }

    /// The failure either amounts to, with the fix.
    public var untrustedServerFailure: HubFailure {
        if code == CURLE_SSL_CACERT_BADFILE {
            return HubFailure(
                kind: .hubError, message: "the CA certificates cannot be read: \(self)",
                hint: "CURL_CA_BUNDLE (or SSL_CERT_FILE) must name a readable PEM file; unset it to trust the system's")
        }
        return HubFailure(
            kind: .hubError, message: "the server is not trusted: \(self)",
            hint: "a site mirror with a CA of its own: give modeld a PEM file with the system's CAs and that one as CURL_CA_BUNDLE=/path/to/bundle.pem in its environment (systemctl edit modeld, Environment=)")
    }

    /// libcurl's code, for the caller's retry decision.
    public var code: CURLcode {
        switch self {
        case .curl(_, let code, _): code
        case .tooLarge, .wrongAnswer: CURLE_WRITE_ERROR
        }
    }
}

extension TransferError {
    /// A libcurl setup call that must succeed.
    static func check(_ code: CURLcode, _ option: String) throws(TransferError) {
        guard code == CURLE_OK else {
            throw .curl(operation: "curl_easy_setopt(\(option))", code: code, detail: String(cString: curl_easy_strerror(code)))
        }
    }
}
