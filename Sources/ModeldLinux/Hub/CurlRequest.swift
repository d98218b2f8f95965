import CCurl
import Foundation

/// One HTTP GET over libcurl's easy interface, for small answers (manifests, revision
/// lookups): blocking, so callers run it off the cooperative pool. Bodies are bounded.
public struct CurlRequest: Sendable {
    public var url: String
    /// Sent as `Authorization: Bearer …`; the caller decides whether this host may see it.
    public var bearerToken: String?
    public var maximumBodyBytes = 64 << 20
    public var connectTimeout = 10
    /// A transfer slower than 1 byte/s for this long is a stall.
    public var stallTimeout = 30
    /// HEAD instead of GET: the status and headers, no body.
    public var headOnly = false

    public init(url: String, bearerToken: String? = nil) {
        self.url = url
        self.bearerToken = bearerToken
    }

    public struct Response: Sendable {
        public var status: Int
        /// Lower-cased names; a repeated header keeps its last value.
        public var headers: [String: String]
        public var body: Data
    }

    /// Performs the request. Redirects are not followed: the API does not redirect, and a
    /// redirect must never carry the token to another host.
    public func perform() throws(TransferError) -> Response {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else { throw .curl(operation: "curl_easy_init", code: CURLE_FAILED_INIT, detail: "") }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink(limit: maximumBodyBytes)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let errors = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errors.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errors.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        headerList = try CurlEasySetup.apply(
            to: handle, url: url, errors: errors, bearerToken: bearerToken, connectTimeout: connectTimeout,
            stallTimeout: stallTimeout, context: unmanaged.toOpaque(), body: ResponseSink.writeBody, header: ResponseSink.writeHeader)
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "CURLOPT_FOLLOWLOCATION")
        try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "CURLOPT_ACCEPT_ENCODING")
        if headOnly { try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY") }
        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            if sink.overflowed { throw .tooLarge(url: url, limit: maximumBodyBytes) }
            let detail = String(cString: errors)
            throw .curl(operation: "GET \(url)", code: result, detail: detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail)
        }
        var status = 0
        guard modeld_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK else {
            throw .curl(operation: "CURLINFO_RESPONSE_CODE", code: CURLE_BAD_FUNCTION_ARGUMENT, detail: "")
        }
        return Response(status: status, headers: sink.headers, body: sink.body)
    }
}

/// Collects a response; libcurl calls it on the thread running `curl_easy_perform`.
private final class ResponseSink {
    let limit: Int
    var body = Data()
    var headers: [String: String] = [:]
    var overflowed = false

    init(limit: Int) { self.limit = limit }

    static let writeBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard sink.body.count + length <= sink.limit else {
            sink.overflowed = true
            return 0  // Anything but `length` makes libcurl stop with CURLE_WRITE_ERROR.
        }
        sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
        return length
    }

    static let writeHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        switch HeaderLine(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)) {
        case .status:
            sink.headers = [:]  // A new response (after a 100 Continue): start over.
        case .field(let name, let value):
            sink.headers[name] = value
        case .other:
            break
        }
        return length
    }
}

/// `curl_global_init`, once per process, before the first handle; and what every handle
/// of the process shares.
enum CurlGlobal {
    static let userAgent = "modeld/0.1 (+https://github.com/modeld)"
    /// The CA certificates to trust instead of the system's, for a site mirror with a CA of
    /// its own: `CURL_CA_BUNDLE`, else `SSL_CERT_FILE` — what curl, OpenSSL and
    /// huggingface_hub's HTTP client read, so one setting serves every tool on the node.
    static let caBundle: String? = {
        let environment = ProcessInfo.processInfo.environment
        return ["CURL_CA_BUNDLE", "SSL_CERT_FILE"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    }()
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static func initialize() { _ = initialized }
}
