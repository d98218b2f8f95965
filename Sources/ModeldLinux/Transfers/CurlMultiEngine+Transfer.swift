import ModeldCore

/// What a caller hands the engine, and what it gets back.
extension CurlMultiEngine {
    /// One request: where from, which bytes, where to.
    public struct Transfer: Sendable {
        public var url: String
        /// The bytes to fetch; nil for the whole body. They are written at their own offsets.
        public var range: ByteRange?
        /// Sent as `Authorization: Bearer …` to the URL's host only: libcurl drops a custom
        /// Authorization header on a redirect to another host.
        public var bearerToken: String?
        /// Open for writing, owned by the caller.
        public var file: Int32
        /// A transfer slower than 1 byte/s for this long is a stall.
        public var stallTimeout = 30
        /// The rate group whose limit applies besides the global one (a model's id).
        public var rateGroup = ""
        /// Counts body bytes as they are written, for progress and the transfer journal.
        public var counter = ByteCounter()
        /// The whole file's size, when known: a body never writes past it, and a 206
        /// whose `Content-Range` names another size is refused.
        public var fileSize: Int64?

        public init(url: String, range: ByteRange?, bearerToken: String? = nil, file: Int32) {
            self.url = url
            self.range = range
            self.bearerToken = bearerToken
            self.file = file
        }
    }

    /// What became of a transfer.
    public struct Outcome: Sendable {
        /// The final HTTP status, 0 when none arrived.
        public var status: Int
        /// Body bytes written to the file, from the range's start.
        public var bytesWritten: Int64
        /// Lower-cased names of the final response's headers.
        public var headers: [String: String]
        /// What failed below HTTP (connection, stall, write), if anything.
        public var failure: TransferError?
        /// The server answered a Range request with the whole body (200): nothing written.
        public var rangeIgnored: Bool
        /// The errno of a failed `pwrite` (ENOSPC: the disk is full).
        public var writeErrno: Int32?
        /// The caller's task was cancelled: the transfer was stopped.
        public var cancelled = false
        /// The URL the answer came from, after the redirects libcurl followed.
        public var finalURL: String?

        static func failed(_ failure: TransferError, cancelled: Bool = false) -> Outcome {
            Outcome(status: 0, bytesWritten: 0, headers: [:], failure: failure, rangeIgnored: false, writeErrno: nil, cancelled: cancelled)
        }
    }
}
