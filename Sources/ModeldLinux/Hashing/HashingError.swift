import COpenSSL

/// Why a file could not be hashed. A *mismatch* is not an error: a digest that differs
/// from the manifest, or damaged chunks, are results the caller compares. These cases
/// are the ones where the hasher could not produce a trustworthy answer at all, so the
/// Keeper must retry later or tell a person (with the cause: errno or OpenSSL's text).
public enum HashingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open(2)` or `fstat(2)` failed: the file is missing, unreadable, or on a failed mount.
    case openFailed(path: String, cause: SystemError)
    /// The path names a directory, FIFO, device or socket: hashing it would hang or lie.
    case notARegularFile(path: String)
    /// `pread(2)` failed part-way (EIO on a bad sector, a network filesystem gone away);
    /// `offset` is where the read started, so the damage can be located.
    case readFailed(path: String, offset: Int64, cause: SystemError)
    /// A libcrypto EVP call returned failure; `reason` is the `ERR_get_error` text.
    case cryptoFailed(function: String, reason: String)
    /// Fewer bytes arrived than the length announced when hashing began: for a file, it
    /// was truncated while being read (a writer is still at work); for a
    /// ``StreamingDigest``, `finish()` came before `contentLength` bytes.
    case shorterThanExpected(source: String, expected: Int64, actual: Int64)
    /// More bytes than announced: a file that grew while being read, or more than
    /// `contentLength` bytes fed to a ``StreamingDigest``.
    case longerThanExpected(source: String, expected: Int64, actual: Int64)
    /// The request itself is wrong: a chunk size that is not positive, a recorded chunk
    /// index that does not fit the expected size, a negative length, a digest used after
    /// `finish()`. A bug or a corrupt ledger row, never the file's fault.
    case invalidArgument(reason: String)
    /// The hashing threads could not be started (`pthread_create`).
    case poolStartFailed(cause: SystemError)
    /// The pool was shut down (the daemon is stopping); the work was not run.
    case poolShutDown
    /// The task that asked for the hash was cancelled; reading stopped early.
    case cancelled

    /// A stable snake_case code for logs, metrics labels and the control protocol.
    public var code: String {
        switch self {
        case .openFailed: "hash_open_failed"
        case .notARegularFile: "hash_not_a_regular_file"
        case .readFailed: "hash_read_failed"
        case .cryptoFailed: "hash_crypto_failed"
        case .shorterThanExpected: "hash_shorter_than_expected"
        case .longerThanExpected: "hash_longer_than_expected"
        case .invalidArgument: "hash_invalid_argument"
        case .poolStartFailed: "hash_pool_start_failed"
        case .poolShutDown: "hash_pool_shut_down"
        case .cancelled: "hash_cancelled"
        }
    }

    public var description: String {
        switch self {
        case .openFailed(let path, let cause):
            "cannot open \(path) for hashing: \(cause)"
        case .notARegularFile(let path):
            "\(path) is not a regular file"
        case .readFailed(let path, let offset, let cause):
            "read error in \(path) at byte \(offset): \(cause)"
        case .cryptoFailed(let function, let reason):
            "libcrypto \(function) failed: \(reason)"
        case .shorterThanExpected(let source, let expected, let actual):
            "\(source) ended at \(actual) bytes, expected \(expected) (truncated while being hashed?)"
        case .longerThanExpected(let source, let expected, let actual):
            "\(source) has \(actual) bytes, expected \(expected) (written to while being hashed?)"
        case .invalidArgument(let reason):
            "invalid hashing request: \(reason)"
        case .poolStartFailed(let cause):
            "cannot start the hashing threads: \(cause)"
        case .poolShutDown:
            "the hashing pool is shut down"
        case .cancelled:
            "hashing was cancelled"
        }
    }

    /// A failed EVP call, with every queued OpenSSL error (oldest first). Draining the
    /// queue matters: it is per thread, and pool threads live for the daemon's lifetime,
    /// so a stale entry would otherwise be blamed on the next, unrelated failure.
    static func crypto(_ function: String) -> HashingError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .cryptoFailed(function: function, reason: reasons.isEmpty ? "no OpenSSL error queued" : reasons.joined(separator: "; "))
    }
}
