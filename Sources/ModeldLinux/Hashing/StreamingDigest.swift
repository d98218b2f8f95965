import COpenSSL
import ModeldCore

/// One digest computed over bytes that arrive in pieces (read buffers, download
/// segments), on libcrypto's EVP interface so SHA-NI is used where the CPU has it.
///
/// The length is announced up front because a git blob SHA-1 hashes a header with the
/// length *before* the content: `"blob <decimal length>\0"`. Holding the caller to that
/// length both ways (more bytes fail `update`, fewer fail `finish`) also turns a file
/// that changed size while being read into an error instead of a wrong digest.
///
/// Not `Sendable`: an `EVP_MD_CTX` is one thread's at a time. Each hashing job makes its
/// own; handing one to another thread is safe only through a lock or a queue hand-off.
public final class StreamingDigest {
    public let kind: DigestKind
    /// The number of content bytes `update` must be given before `finish`.
    public let contentLength: Int64
    /// Content bytes given to `update` so far (the git header is not counted).
    public private(set) var bytesFed: Int64 = 0
    /// `EVP_MD_CTX *`, owned: freed in `deinit`.
    private let context: OpaquePointer
    private var finished = false

    /// `EVP_MD_CTX_new` + `EVP_DigestInit_ex`, then the git header for `.gitBlobSHA1`.
    public init(_ kind: DigestKind, contentLength: Int64) throws(HashingError) {
        guard contentLength >= 0 else {
            throw .invalidArgument(reason: "content length \(contentLength) is negative")
        }
        guard let context = EVP_MD_CTX_new() else { throw .crypto("EVP_MD_CTX_new") }
        self.kind = kind
        self.contentLength = contentLength
        self.context = context
        // From here on `deinit` frees the context, whatever throws below.
        let algorithm = switch kind {
        case .sha256: EVP_sha256()
        case .gitBlobSHA1: EVP_sha1()
        }
        guard EVP_DigestInit_ex(context, algorithm, nil) == 1 else { throw .crypto("EVP_DigestInit_ex") }
        if kind == .gitBlobSHA1 {
            var header = Array("blob \(contentLength)".utf8)
            header.append(0)
            // `withUnsafeBytes` only rethrows untyped errors: carry the typed one out.
            try header.withUnsafeBytes { bytes in
                Result { () throws(HashingError) in try feed(bytes) }
            }.get()
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds the next piece of content. Throws, and hashes nothing, if the piece would
    /// take the content past `contentLength`.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(HashingError) {
        try checkNotFinished("update")
        let after = bytesFed + Int64(bytes.count)
        guard after <= contentLength else {
            throw .longerThanExpected(source: "digest input", expected: contentLength, actual: after)
        }
        try feed(bytes)
        bytesFed = after
    }

    /// The digest as lowercase hex (64 digits for SHA-256, 40 for SHA-1). Callable once:
    /// `EVP_DigestFinal_ex` leaves the context unusable for more content.
    public func finish() throws(HashingError) -> String {
        try checkNotFinished("finish")
        guard bytesFed == contentLength else {
            throw .shorterThanExpected(source: "digest input", expected: contentLength, actual: bytesFed)
        }
        finished = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { throw .crypto("EVP_DigestFinal_ex") }
        return Self.hex(digest.prefix(Int(length)))
    }

    /// The digest of bytes held in memory at once: a convenience over `init`, `update`, `finish`.
    public static func hex(_ kind: DigestKind, of bytes: UnsafeRawBufferPointer) throws(HashingError) -> String {
        let digest = try StreamingDigest(kind, contentLength: Int64(bytes.count))
        try digest.update(bytes)
        return try digest.finish()
    }

    private func feed(_ bytes: UnsafeRawBufferPointer) throws(HashingError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { throw .crypto("EVP_DigestUpdate") }
    }

    private func checkNotFinished(_ call: String) throws(HashingError) {
        if finished { throw .invalidArgument(reason: "StreamingDigest.\(call)() after finish()") }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: some Collection<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
