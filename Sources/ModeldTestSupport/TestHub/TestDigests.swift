/// SHA-1 and SHA-256 in plain Swift (FIPS 180-4), so the test hub can name its files as
/// the real hub does without linking libcrypto. Test-only code: checked against
/// `sha256sum` and `git hash-object`, not constant-time. Written to stay usable in debug
/// builds (pointers, masking shifts, no tuple shuffles): about 35 MB/s unoptimised.
public enum TestDigests {
    /// The SHA-256 of `bytes`, as 64 lowercase hex digits (what `sha256sum` prints).
    public static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hex(hasher.finish())
    }

    /// The SHA-1 of `bytes`, as 40 lowercase hex digits.
    public static func sha1(_ bytes: [UInt8]) -> String {
        var hasher = SHA1Hasher()
        hasher.update(bytes)
        return hex(hasher.finish())
    }

    /// The git blob id of `content` (`git hash-object`): SHA-1 of `"blob <len>\0" + content`.
    public static func gitBlobID(_ content: [UInt8]) -> String {
        var hasher = SHA1Hasher()
        hasher.update(Array("blob \(content.count)\0".utf8))
        hasher.update(content)
        return hex(hasher.finish())
    }

    /// Lowercase hex digits of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The Merkle–Damgård frame both hashes share: 64-byte blocks, then `0x80`, zeros and
/// the message length in bits, big-endian; the digest is the state words, big-endian.
protocol BlockHasher {
    var pending: [UInt8] { get set }
    var length: UInt64 { get set }
    var state: [UInt32] { get set }
    /// Folds one 64-byte block into `state`.
    static func compress(_ state: UnsafeMutablePointer<UInt32>, _ block: UnsafePointer<UInt8>)
}

extension BlockHasher {
    mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            offset = min(64 - pending.count, bytes.count)
            pending += bytes[0..<offset]
            guard pending.count == 64 else { return }
            let block = pending
            pending.removeAll(keepingCapacity: true)
            compressAll(block, 0..<64)
        }
        let whole = offset + (bytes.count - offset) / 64 * 64
        compressAll(bytes, offset..<whole)
        pending += bytes[whole...]
    }

    mutating func finish() -> [UInt8] {
        var tail = pending + [0x80]
        while tail.count % 64 != 56 { tail.append(0) }
        let bits = length &* 8
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        pending = []
        compressAll(tail, 0..<tail.count)
        return state.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) } }
    }

    /// Compresses the whole blocks `range` (a multiple of 64 bytes long) of `bytes`.
    private mutating func compressAll(_ bytes: [UInt8], _ range: Range<Int>) {
        bytes.withUnsafeBufferPointer { buffer in
            state.withUnsafeMutableBufferPointer { words in
                guard let base = buffer.baseAddress, let state = words.baseAddress else { return }
                var offset = range.lowerBound
                while offset < range.upperBound {
                    Self.compress(state, base + offset)
                    offset += 64
                }
            }
        }
    }
}

/// Loads the big-endian word `index` of a block.
private func word(_ block: UnsafePointer<UInt8>, _ index: Int) -> UInt32 {
    let p = block + index &* 4
    return UInt32(p[0]) &<< 24 | UInt32(p[1]) &<< 16 | UInt32(p[2]) &<< 8 | UInt32(p[3])
}

struct SHA1Hasher: BlockHasher {
    var pending: [UInt8] = []
    var length: UInt64 = 0
    var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]

    static func compress(_ s: UnsafeMutablePointer<UInt32>, _ block: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { buffer in
            let w = buffer
            for t in 0..<16 { w[t] = word(block, t) }
            for t in 16..<80 {
                let x = w[t &- 3] ^ w[t &- 8] ^ w[t &- 14] ^ w[t &- 16]
                w[t] = x &<< 1 | x &>> 31
            }
            var a = s[0], b = s[1], c = s[2], d = s[3], e = s[4]
            for t in 0..<80 {
                let f: UInt32, k: UInt32
                if t < 20 {
                    f = (b & c) | (~b & d); k = 0x5A82_7999
                } else if t < 40 {
                    f = b ^ c ^ d; k = 0x6ED9_EBA1
                } else if t < 60 {
                    f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                } else {
                    f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = (a &<< 5 | a &>> 27) &+ f &+ e &+ k &+ w[t]
                e = d; d = c; c = b &<< 30 | b &>> 2; b = a; a = temp
            }
            s[0] &+= a; s[1] &+= b; s[2] &+= c; s[3] &+= d; s[4] &+= e
        }
    }
}

struct SHA256Hasher: BlockHasher {
    var pending: [UInt8] = []
    var length: UInt64 = 0
    var state: [UInt32] = [
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
    ]

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func compress(_ s: UnsafeMutablePointer<UInt32>, _ block: UnsafePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { buffer in
            let w = buffer
            for t in 0..<16 { w[t] = word(block, t) }
            for t in 16..<64 {
                let x = w[t &- 15], y = w[t &- 2]
                let s0 = (x &>> 7 | x &<< 25) ^ (x &>> 18 | x &<< 14) ^ x &>> 3
                let s1 = (y &>> 17 | y &<< 15) ^ (y &>> 19 | y &<< 13) ^ y &>> 10
                w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
            }
            var a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7]
            k.withUnsafeBufferPointer { constants in
                let k = constants
                for t in 0..<64 {
                    let s1 = (e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)
                    let t1 = h &+ s1 &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                    let s0 = (a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)
                    let t2 = s0 &+ ((a & b) ^ (a & c) ^ (b & c))
                    h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            s[0] &+= a; s[1] &+= b; s[2] &+= c; s[3] &+= d; s[4] &+= e; s[5] &+= f; s[6] &+= g; s[7] &+= h
        }
    }
}
