/// What one request of the doctor's to the hub came back with, for `DoctorJudge`.
public enum HubReply: Sendable, Equatable {
    /// No HTTP answer at all: the transfer's error (refused, timed out, no route, TLS).
    case unreachable(String)
    /// An HTTP status other than success, with the hub's `X-Error-Code` and `X-Error-Message`.
    case refused(status: Int, errorCode: String?, message: String?)
    /// A revision request that succeeded.
    case revision(HubRevisionInfo)
    /// A file request that succeeded (or was redirected to the bytes: access was granted).
    case granted
}
