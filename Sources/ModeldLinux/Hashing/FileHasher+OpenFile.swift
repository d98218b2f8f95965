import Foundation
import Glibc
import ModeldCore
import Synchronization

// MARK: - The open file

extension FileHasher {
    /// A file open for reading, shared by the jobs that hash it and closed when the last
    /// one lets go. Sendable: every property is immutable, and `pread` at an explicit
    /// offset does not touch the descriptor's shared file position.
    final class ReadOnlyFile: Sendable {
        let path: String
        let descriptor: Int32
        /// The size when the file was opened: what the hashing plan is based on.
        let size: Int64

        /// `sequential`: `posix_fadvise(SEQUENTIAL)`, which doubles the kernel's readahead.
        init(path: String, sequential: Bool) throws(HashingError) {
            let descriptor: Int32
            do {
                // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
                // It changes nothing for a regular file.
                descriptor = try syscall("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
            } catch {
                throw .openFailed(path: path, cause: error)
            }
            var info = stat()
            do {
                try syscall("fstat(\(path))") { fstat(descriptor, &info) }
            } catch {
                Self.close(descriptor)
                throw .openFailed(path: path, cause: error)
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                Self.close(descriptor)
                throw .notARegularFile(path: path)
            }
            if sequential {
                // Advice only (it returns an errno, never sets one): a failure leaves the
                // default readahead, and every byte is still read and checked.
                _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            }
            self.path = path
            self.descriptor = descriptor
            self.size = Int64(info.st_size)
        }

        deinit { Self.close(descriptor) }

        /// Fills `buffer` from `offset`, with as many `pread`s as it takes; fewer bytes
        /// only at the end of the file.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(HashingError) -> Int {
            guard let base = buffer.baseAddress else { return 0 }
            var filled = 0
            while filled < buffer.count {
                let position = offset + Int64(filled)
                let count: Int
                do {
                    count = try syscall("pread(\(path))") {
                        pread(descriptor, base + filled, buffer.count - filled, off_t(position))
                    }
                } catch {
                    throw .readFailed(path: path, offset: position, cause: error)
                }
                if count == 0 { break }
                filled += count
            }
            return filled
        }

        /// The size now, for an error about a file that grew while being hashed.
        func currentSize() -> Int64? {
            var info = stat()
            return fstat(descriptor, &info) == 0 ? Int64(info.st_size) : nil
        }

        /// For a descriptor opened read-only, `close` cannot lose data; its errors
        /// (EINTR, EIO from a network filesystem) change nothing already hashed.
        private static func close(_ descriptor: Int32) {
            _ = Glibc.close(descriptor)
        }
    }

    /// The cancellation flag and the byte count of one hashing request, shared by its
    /// threads; the count feeds the progress callback.
    final class RunState: Sendable {
        private let cancelled = Atomic<Bool>(false)
        private let bytes = Atomic<Int64>(0)
        private let progress: (@Sendable (Int64) -> Void)?
        /// The last value reported: taken under the lock so reports never go backwards.
        private let reported = Mutex<Int64>(0)

        init(progress: (@Sendable (Int64) -> Void)?) {
            self.progress = progress
        }

        var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
        func cancel() { cancelled.store(true, ordering: .relaxed) }
        var total: Int64 { bytes.load(ordering: .relaxed) }

        func add(_ count: Int) {
            let total = bytes.add(Int64(count), ordering: .relaxed).newValue
            guard let progress else { return }
            reported.withLock { last in
                guard total >= last + FileHasher.progressInterval else { return }
                last = total
                progress(total)
            }
        }

        func reportFinal() {
            guard let progress else { return }
            let total = total
            reported.withLock { last in
                guard total > last || total == 0 else { return }
                last = total
                progress(total)
            }
        }
    }
}
