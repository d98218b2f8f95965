import CCurl
import Foundation
import Glibc
import ModeldCore
import Synchronization

/// libcurl's multi interface on a thread of its own (STORE.md, Transfers): many transfers
/// at once, each writing its bytes with `pwrite` at their offset in a file, so the
/// segments of one large file land in place over parallel connections. Callers `await`
/// a transfer; the thread is woken with `curl_multi_wakeup` when one is handed over or
/// cancelled. Bandwidth limits are token buckets shared by every connection of a rate
/// group (all transfers, and each model), changed at runtime.
///
/// `@unchecked Sendable`: `multi`, every easy handle and the buckets are touched only by
/// the engine thread, except `curl_multi_wakeup`, which libcurl documents as callable
/// from any thread; what crosses threads (`inbox`, `requestedRates`, `running`) is behind
/// a `Mutex`/`Atomic`.
public final class CurlMultiEngine: @unchecked Sendable {
    /// The global rate group's name.
    public static let globalRateGroup = ""

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let requestedRates = Mutex<[String: Int64]>([:])
    private let running = Atomic(true)
    private let nextID = Atomic<UInt64>(1)

    /// What other threads hand the engine thread.
    private struct Inbox {
        var jobs: [Job] = []
        var cancelled: Set<UInt64> = []
        /// The thread has ended and `multi` is freed: nothing more is accepted.
        var closed = false
    }

    /// A transfer handed to the engine thread, and who waits for it.
    private struct Job: Sendable {
        var id: UInt64
        var transfer: Transfer
        var continuation: CheckedContinuation<Outcome, Never>
    }

    /// Every body byte written by any transfer since the engine started (`metrics`).
    public let received = ByteCounter()

    private let started = ThreadStartReports()
    /// Why the engine thread does not run at the priority asked for, or nil (not fatal).
    public var priorityProblem: SystemError? { started.problem }

    /// Starts the engine thread at `priority`; returns once it runs.
    public init(priority: ThreadPriority = .normal) throws(TransferError) {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else {
            throw .curl(operation: "curl_multi_init", code: CURLE_FAILED_INIT, detail: "out of memory")
        }
        // Each ranged piece on a TCP connection of its own, HTTP/2 or not: a CDN caps each
        // connection, so streams multiplexed onto one would share one cap, and a file's
        // parallel pieces would be no faster than one.
        let separate = modeld_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_NOTHING))
        guard separate == CURLM_OK else {
            curl_multi_cleanup(multi)
            throw .curl(operation: "CURLMOPT_PIPELINING", code: CURLE_FAILED_INIT, detail: String(cString: curl_multi_strerror(separate)))
        }
        self.multi = multi
        let thread = Thread { [self] in
            // Named from inside: Foundation names a thread only when it is the current one,
            // and an unnamed one shows in top -H under the name of the thread that made it.
            Thread.current.name = "modeld-curl"
            self.started.apply(priority)
            loop()
        }
        thread.start()
        started.wait(for: 1)
    }

    /// Runs `transfer` to its end. Cancelling the calling task stops it; what was written
    /// stays written (`bytesWritten` says how much).
    public func run(_ transfer: Transfer) async -> Outcome {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let refusal: Outcome? = inbox.withLock { inbox in
                    if inbox.closed { return .failed(Self.stopped) }
                    // A task cancelled before it got here had its handler run already.
                    if Task.isCancelled { return .failed(Self.cancellation, cancelled: true) }
                    inbox.jobs.append(Job(id: id, transfer: transfer, continuation: continuation))
                    wake(inbox)
                    return nil
                }
                if let refusal { continuation.resume(returning: refusal) }
            }
        } onCancel: {
            inbox.withLock { inbox in
                inbox.cancelled.insert(id)
                wake(inbox)
            }
        }
    }

    /// Wakes the engine thread; called under the inbox's lock, so `multi` cannot be freed
    /// meanwhile (the thread marks the inbox closed, under the lock, before freeing it).
    private func wake(_ inbox: Inbox) {
        if !inbox.closed { curl_multi_wakeup(multi) }
    }

    /// Sets a rate group's limit in bytes per second (0: none), for running transfers too.
    public func setLimit(_ bytesPerSecond: Int64, group: String = CurlMultiEngine.globalRateGroup) {
        requestedRates.withLock { $0[group] = max(0, bytesPerSecond) }
        inbox.withLock { wake($0) }
    }

    /// Ends the thread; transfers under way, and any handed over later, end with a failure.
    public func shutdown() {
        running.store(false, ordering: .releasing)
        inbox.withLock { wake($0) }
    }

    private static let cancellation = TransferError.curl(operation: "transfer", code: CURLE_ABORTED_BY_CALLBACK, detail: "stopped")
    private static let stopped = TransferError.curl(operation: "transfer", code: CURLE_ABORTED_BY_CALLBACK, detail: "the daemon is stopping")

    // MARK: - The engine thread

    private func loop() {
        var active: [UnsafeMutableRawPointer: TransferContext] = [:]
        let rates = RateLimits()
        while running.load(ordering: .acquiring) {
            rates.apply(requestedRates.withLock { $0 })
            let handed = inbox.withLock { inbox in
                defer { inbox = Inbox() }
                return inbox
            }
            for job in handed.jobs {
                if handed.cancelled.contains(job.id) {
                    job.continuation.resume(returning: .failed(Self.cancellation, cancelled: true))
                    continue
                }
                switch start(job.transfer, id: job.id, rates: rates) {
                case .success(let context):
                    context.continuation = job.continuation
                    active[context.handle] = context
                case .failure(let error):
                    job.continuation.resume(returning: .failed(error))
                }
            }
            for context in active.values where handed.cancelled.contains(context.id) {
                active[context.handle] = nil
                context.cancelled = true
                finish(context, result: CURLE_ABORTED_BY_CALLBACK)
            }
            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let context = active.removeValue(forKey: handle)
                else { continue }
                finish(context, result: message.pointee.data.result)
            }
            // Throttled transfers go on when their buckets allow; until then the loop
            // wakes for them, not only for sockets.
            var timeout = 1000.0
            for context in active.values where context.throttled {
                let wait = rates.wait(context.transfer.rateGroup)
                if wait <= 0 {
                    context.throttled = false
                    let resumed = curl_easy_pause(context.handle, CURLPAUSE_CONT)
                    if resumed != CURLE_OK {
                        // Left paused it would hang unseen (no stall check while paused): end it.
                        active[context.handle] = nil
                        finish(context, result: resumed)
                    }
                } else {
                    timeout = min(timeout, wait * 1000)
                }
            }
            _ = curl_multi_poll(multi, nil, 0, Int32(max(1, timeout.rounded(.up))), nil)
        }
        for context in active.values {
            finish(context, result: CURLE_ABORTED_BY_CALLBACK)
        }
        let left = inbox.withLock { inbox in
            defer { inbox = Inbox(closed: true) }
            return inbox.jobs
        }
        for job in left { job.continuation.resume(returning: .failed(Self.stopped)) }
        curl_multi_cleanup(multi)
    }

    private func start(_ transfer: Transfer, id: UInt64, rates: RateLimits) -> Result<TransferContext, TransferError> {
        guard let handle = curl_easy_init() else {
            return .failure(.curl(operation: "curl_easy_init", code: CURLE_FAILED_INIT, detail: "out of memory"))
        }
        let context = TransferContext(handle: handle, id: id, transfer: transfer, rates: rates, received: received)
        do throws(TransferError) {
            try context.configure()
        } catch {
            context.release()
            return .failure(error)
        }
        let added = curl_multi_add_handle(multi, handle)
        guard added == CURLM_OK else {
            context.release()
            return .failure(.curl(operation: "curl_multi_add_handle", code: CURLE_FAILED_INIT, detail: String(cString: curl_multi_strerror(added))))
        }
        return .success(context)
    }

    private func finish(_ context: TransferContext, result: CURLcode) {
        _ = curl_multi_remove_handle(multi, context.handle)
        let outcome = context.outcome(result: result)
        context.release()
        context.continuation?.resume(returning: outcome)
    }
}

/// One transfer's state, on the engine thread: libcurl's callbacks find it through the
/// opaque pointer they are given.
private final class TransferContext {
    let handle: UnsafeMutableRawPointer
    let id: UInt64
    let transfer: Transfer
    /// The engine's buckets, which outlive every transfer.
    unowned let rates: RateLimits
    let received: ByteCounter
    var continuation: CheckedContinuation<CurlMultiEngine.Outcome, Never>?
    /// Paused by a bucket in debt; the loop lets it go on.
    var throttled = false
    var cancelled = false
    var status = 0
    var headers: [String: String] = [:]
    var written: Int64 = 0
    var rangeIgnored = false
    var writeErrno: Int32?
    /// Why the body was refused (a `Content-Range` other than asked, more bytes than asked).
    var refused: String?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errors = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var retained: Unmanaged<TransferContext>?

    typealias Transfer = CurlMultiEngine.Transfer

    init(handle: UnsafeMutableRawPointer, id: UInt64, transfer: Transfer, rates: RateLimits, received: ByteCounter) {
        self.handle = handle
        self.id = id
        self.transfer = transfer
        self.rates = rates
        self.received = received
        errors.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    func configure() throws(TransferError) {
        let me = Unmanaged.passRetained(self)
        retained = me
        headerList = try CurlEasySetup.apply(
            to: handle, url: transfer.url, errors: errors, bearerToken: transfer.bearerToken, connectTimeout: 10,
            stallTimeout: transfer.stallTimeout, context: me.toOpaque(), body: Self.writeBody, header: Self.writeHeader)
        // The hub answers an LFS file with a redirect to its CDN; libcurl drops a custom
        // Authorization header when a redirect leads to another host.
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "CURLOPT_FOLLOWLOCATION")
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_MAXREDIRS, 5), "CURLOPT_MAXREDIRS")
        // Fewer, larger writes: a multi-GB shard in 16 KiB callbacks costs a pwrite each.
        try TransferError.check(modeld_curl_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 << 10), "CURLOPT_BUFFERSIZE")
        if let range = transfer.range {
            try TransferError.check(modeld_curl_easy_setopt_string(handle, CURLOPT_RANGE, SegmentPlanner.curlRange(range)), "CURLOPT_RANGE")
        }
    }

    func outcome(result: CURLcode) -> CurlMultiEngine.Outcome {
        var failure: TransferError?
        if let refused {
            failure = .wrongAnswer(url: transfer.url, reason: refused)
        } else if result != CURLE_OK && !rangeIgnored {
            let detail = String(cString: errors)
            failure = .curl(
                operation: "GET \(transfer.url)", code: result,
                detail: writeErrno.map { "writing: \(String(cString: strerror($0)))" }
                    ?? (detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail))
        }
        // A redirect's status with a failure after it: the redirect target (the CDN) never
        // answered, so no final status arrived — a connection failure to retry, not the
        // hub refusing the file with a 302.
        let final = failure != nil && (300..<400).contains(status) ? 0 : status
        var effective: UnsafeMutablePointer<CChar>?
        let finalURL = modeld_curl_easy_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK
            ? effective.map { String(cString: $0) } : nil
        return .init(
            status: final, bytesWritten: written, headers: headers, failure: failure, rangeIgnored: rangeIgnored,
            writeErrno: writeErrno, cancelled: cancelled, finalURL: finalURL)
    }

    func release() {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        headerList = nil
        errors.deallocate()
        retained?.release()
        retained = nil
    }

    /// The body: written at its offset when it is what was asked for (206 for a range,
    /// with the `Content-Range` asked for; 200 without one), never past the range or the
    /// file's end; an error page or a redirect's body is read and dropped.
    static let writeBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, opaque in
        guard let data, let opaque else { return 0 }
        let context = Unmanaged<TransferContext>.fromOpaque(opaque).takeUnretainedValue()
        let length = size * count
        let wanted = context.transfer.range == nil ? 200 : 206
        if context.transfer.range != nil && context.status == 200 {
            context.rangeIgnored = true
            return 0  // Stop: the whole file is coming, not the range.
        }
        guard context.status == wanted else { return length }
        if context.written == 0, let reason = context.rangeProblem {
            context.refused = reason
            return 0
        }
        // A bucket in debt: libcurl keeps these bytes and hands them over again when the
        // loop un-pauses the transfer.
        if context.rates.wait(context.transfer.rateGroup) > 0 {
            context.throttled = true
            return Int(CURL_WRITEFUNC_PAUSE)
        }
        let offset = (context.transfer.range?.start ?? 0) + context.written
        let room = context.room
        if Int64(length) > room {
            context.refused = "the server sent more bytes than asked for (\(context.written + Int64(length)) past \(offset - context.written))"
            return 0
        }
        var done = 0
        while done < length {
            let wrote = pwrite(context.transfer.file, data + done, length - done, off_t(offset) + off_t(done))
            if wrote < 0 {
                if errno == EINTR { continue }
                context.writeErrno = errno
                return 0
            }
            done += wrote
        }
        context.written += Int64(length)
        context.transfer.counter.add(Int64(length))
        context.received.add(Int64(length))
        context.rates.take(Int64(length), group: context.transfer.rateGroup)
        return length
    }

    /// Why a 206 is not the answer to the range asked for, or nil.
    var rangeProblem: String? {
        guard let range = transfer.range else { return nil }
        guard let answered = ContentRange(headers["content-range"]) else {
            return "the answer has no Content-Range of the shape bytes first-last/total"
        }
        return answered.mismatch(requested: range, fileSize: transfer.fileSize)
    }

    /// How many more body bytes fit: to the range's end, or to the file's end.
    var room: Int64 {
        let end = transfer.range?.end ?? transfer.fileSize ?? .max
        let start = transfer.range?.start ?? 0
        return end == .max ? .max : end - start - written
    }

    /// Header lines; a status line starts a new response (after a redirect).
    static let writeHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, opaque in
        guard let data, let opaque else { return 0 }
        let context = Unmanaged<TransferContext>.fromOpaque(opaque).takeUnretainedValue()
        let length = size * count
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        switch HeaderLine(line) {
        case .status(let code):
            context.status = code
            context.headers = [:]
        case .field(let name, let value):
            context.headers[name] = value
        case .other:
            break
        }
        return length
    }
}
