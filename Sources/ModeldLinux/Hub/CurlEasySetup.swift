import CCurl

/// What every easy handle of modeld is given, whether a blocking API request or a
/// transfer of the multi engine: where to, how errors read, http(s) only, how long to
/// wait for a connection, when a slow transfer counts as stalled, who asks, the CA
/// certificates for TLS, the token, and the callbacks that receive the answer. (HTTP/2
/// over TLS wherever a server offers it is libcurl's own default since 7.62; a libcurl
/// built without it refuses the option, so it is not set.)
enum CurlEasySetup {
    typealias Callback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    /// Applies the common options; returns the header list to free after the transfer.
    static func apply(
        to handle: UnsafeMutableRawPointer, url: String, errors: UnsafeMutablePointer<CChar>, bearerToken: String?,
        connectTimeout: Int, stallTimeout: Int, context: UnsafeMutableRawPointer, body: Callback, header: Callback
    ) throws(TransferError) -> UnsafeMutablePointer<curl_slist>? {
        try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_URL, url), "CURLOPT_URL")
        try TransferError.check(modeld_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors), "CURLOPT_ERRORBUFFER")
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "CURLOPT_REDIR_PROTOCOLS_STR")
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout), "CURLOPT_CONNECTTIMEOUT")
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), "CURLOPT_LOW_SPEED_LIMIT")
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, stallTimeout), "CURLOPT_LOW_SPEED_TIME")
        try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, CurlGlobal.userAgent), "CURLOPT_USERAGENT")
        if let bundle = CurlGlobal.caBundle {
            try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_CAINFO, bundle), "CURLOPT_CAINFO")
        }
        try TransferError.check(modeld_curl_easy_setopt_write_callback(handle, body), "CURLOPT_WRITEFUNCTION")
        try TransferError.check(modeld_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        try TransferError.check(modeld_curl_easy_setopt_header_callback(handle, header), "CURLOPT_HEADERFUNCTION")
        try TransferError.check(modeld_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        // Last, so no failure above can leave the list unfreed.
        var headers: UnsafeMutablePointer<curl_slist>?
        if let bearerToken {
            headers = curl_slist_append(headers, "Authorization: Bearer \(bearerToken)")
            do {
                try TransferError.check(modeld_curl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers), "CURLOPT_HTTPHEADER")
            } catch {
                curl_slist_free_all(headers)
                throw error
            }
        }
        return headers
    }
}
