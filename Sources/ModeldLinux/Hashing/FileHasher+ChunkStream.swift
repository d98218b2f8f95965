import Foundation
import Glibc
import ModeldCore
import Synchronization

// MARK: - The chunk index of a stream

extension FileHasher {
    /// Cuts a stream of bytes into chunks and hashes each one (SHA-256). Chunks may span
    /// read buffers, so it keeps the digest of the chunk in progress between calls.
    struct ChunkStream {
        let chunkSize: Int64
        let fileSize: Int64
        private(set) var hashes: [String] = []
        private var current: StreamingDigest?

        init(chunkSize: Int64, fileSize: Int64) {
            self.chunkSize = chunkSize
            self.fileSize = fileSize
        }

        var bytesHashed: Int64 { Int64(hashes.count) * chunkSize + (current?.bytesFed ?? 0) }
        var isComplete: Bool { current == nil && bytesHashed >= fileSize }

        mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HashingError) {
            var rest = bytes[...]
            while !rest.isEmpty {
                let digest: StreamingDigest
                if let current {
                    digest = current
                } else {
                    let start = Int64(hashes.count) * chunkSize
                    digest = try StreamingDigest(.sha256, contentLength: min(chunkSize, max(fileSize - start, 0)))
                    current = digest
                }
                let room = Int(min(Int64(rest.count), digest.contentLength - digest.bytesFed))
                guard room > 0 else {
                    throw .longerThanExpected(source: "chunk index input", expected: fileSize, actual: bytesHashed + Int64(rest.count))
                }
                try digest.update(UnsafeRawBufferPointer(rebasing: rest.prefix(room)))
                rest = rest.dropFirst(room)
                if digest.bytesFed == digest.contentLength {
                    hashes.append(try digest.finish())
                    current = nil
                }
            }
        }
    }
}
