import Foundation
import Glibc
import Synchronization

/// inotify(7) over a set of directories, read on a thread of its own into a bounded
/// stream. A queue overflow (the kernel's or ours) becomes one `.overflow` event: the
/// consumer must rescan, never assume nothing happened.
public final class Inotify: Sendable {
    /// What happened to a name in a watched directory.
    public struct Change: Sendable, Equatable {
        /// The full path of the entry (the directory itself for its own deletion).
        public var path: String
        public var mask: UInt32
        public var isDirectory: Bool { mask & UInt32(IN_ISDIR) != 0 }
        /// The directory itself went away (its watch is gone).
        public var isWatchGone: Bool { mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_IGNORED)) != 0 }
        /// Bytes were written into the entry.
        public var isWrite: Bool { mask & UInt32(IN_MODIFY | IN_CLOSE_WRITE) != 0 }
        /// The entry was removed or moved away.
        public var isRemoval: Bool { mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 }
    }

    public enum Event: Sendable, Equatable {
        case change(Change)
        /// Events were lost: rescan everything watched.
        case overflow
    }

    /// Close-after-write, moves, deletes, attribute changes, and plain modifications (a
    /// writer that keeps its descriptor open); STORE.md's list.
    public static let mask = UInt32(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB)
        | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let fd: Int32
    /// A pipe whose write end wakes the reading thread to stop (the self-pipe trick).
    private let wakeup: (read: Int32, write: Int32)
    private let directories = Mutex<[Int32: String]>([:])
    /// Set by ``stop()``: a reader waiting for room in the stream gives up.
    private let stopped = Atomic<Bool>(false)

    public init(capacity: Int = 16_384) throws(SystemError) {
        var ends: [Int32] = [-1, -1]
        try syscall("pipe") { pipe(&ends) }
        for end in ends { try syscall("fcntl(FD_CLOEXEC)") { fcntl(end, F_SETFD, FD_CLOEXEC) } }
        wakeup = (ends[0], ends[1])
        let descriptor = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard descriptor >= 0 else {
            let code = errno
            close(ends[0])
            close(ends[1])
            throw SystemError("inotify_init1", errno: code)
        }
        fd = descriptor
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(capacity))
        let thread = Thread { [self] in readLoop() }
        thread.name = "modeld-inotify"
        thread.start()
    }

    deinit {
        close(fd)
        close(wakeup.read)
        close(wakeup.write)
    }

    /// Watches `directory` (not recursive). `ENOSPC` means `fs.inotify.max_user_watches`
    /// is exhausted: the caller falls back to rescans and says so.
    public func watch(_ directory: String) throws(SystemError) {
        let descriptor = try syscall("inotify_add_watch(\(directory))") {
            inotify_add_watch(fd, directory, Self.mask | UInt32(IN_ONLYDIR))
        }
        directories.withLock { $0[descriptor] = directory }
    }

    public var watchedDirectories: Set<String> { directories.withLock { Set($0.values) } }

    /// Ends the reading thread and the stream.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = Glibc.write(wakeup.write, &byte, 1)
    }

    private func readLoop() {
        defer { continuation.finish() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var polled = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&polled, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                tellOverflow()
                return
            }
            if polled[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                tellOverflow()
                return
            }
            parse(buffer[..<count])
        }
    }

    private func parse(_ bytes: ArraySlice<UInt8>) {
        let header = MemoryLayout<inotify_event>.size
        var offset = bytes.startIndex
        while offset + header <= bytes.endIndex {
            let (descriptor, mask, nameLength) = bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + (offset - bytes.startIndex)
                let event = base.loadUnaligned(as: inotify_event.self)
                return (event.wd, event.mask, Int(event.len))
            }
            let nameBytes = bytes[(offset + header)..<min(offset + header + nameLength, bytes.endIndex)]
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            offset += header + nameLength
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                tellOverflow()
                continue
            }
            let directory = directories.withLock { dirs in
                if mask & UInt32(IN_IGNORED) != 0 { return dirs.removeValue(forKey: descriptor) }
                return dirs[descriptor]
            }
            guard let directory else { continue }
            let path = name.isEmpty ? directory : directory + "/" + name
            if case .dropped = continuation.yield(.change(Change(path: path, mask: mask))) {
                // Our own queue is full: the consumer will be told to rescan once it catches up.
                tellOverflow()
            }
        }
    }

    /// Events were lost (the kernel's queue overflowed, ours did, or reading failed): the
    /// consumer must rescan, so the marker is never dropped. bufferingOldest keeps what is
    /// queued; the marker goes in as soon as there is room, the reader waiting till then
    /// (the kernel queue may overflow meanwhile: that rescan covers it too).
    private func tellOverflow() {
        while case .dropped = continuation.yield(.overflow), !stopped.load(ordering: .relaxed) {
            usleep(10_000)
        }
    }
}
