extension CloudInitBackend {
  /// A small, deterministic gzip writer (RFC 1951 DEFLATE with the fixed Huffman code, RFC
  /// 1952 framing) and base64, for `write_files` entries with `encoding: gz+b64`.
  ///
  /// Why here and not zlib: Foundation on Linux has no gzip, and only the Spec module may
  /// import C. Fixed-code DEFLATE with greedy LZ77 matching compresses shell text about 3:1,
  /// which is what keeps a large plan's user-data under EC2's 16 KB; the header carries no
  /// time stamp, so the same input always gives the same bytes.
  enum Gzip {
    /// `bytes` as a gzip member.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
      // ID1 ID2, CM=deflate, FLG=0, MTIME=0 (none), XFL=0, OS=255 (unknown).
      var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]
      out += deflate(bytes)
      out += littleEndian(crc32(bytes))
      out += littleEndian(UInt32(truncatingIfNeeded: bytes.count))
      return out
    }

    /// Standard base64 with padding, in lines of 76 characters (cloud-init's decoder skips
    /// the line breaks).
    static func base64(_ bytes: [UInt8]) -> String {
      let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
      var out: [UInt8] = []
      var index = 0
      while index < bytes.count {
        let chunk = bytes[index..<min(index + 3, bytes.count)]
        let b0 = Int(chunk[chunk.startIndex])
        let b1 = chunk.count > 1 ? Int(chunk[chunk.startIndex + 1]) : 0
        let b2 = chunk.count > 2 ? Int(chunk[chunk.startIndex + 2]) : 0
        out.append(alphabet[b0 >> 2])
        out.append(alphabet[(b0 & 3) << 4 | b1 >> 4])
        out.append(chunk.count > 1 ? alphabet[(b1 & 15) << 2 | b2 >> 6] : UInt8(ascii: "="))
        out.append(chunk.count > 2 ? alphabet[b2 & 63] : UInt8(ascii: "="))
        index += 3
        if index % 57 == 0 && index < bytes.count { out.append(UInt8(ascii: "\n")) }
      }
      return String(decoding: out, as: UTF8.self) + "\n"
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
      var crc: UInt32 = 0xffff_ffff
      for byte in bytes {
        crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
      }
      return crc ^ 0xffff_ffff
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
      var c = UInt32(n)
      for _ in 0..<8 { c = c & 1 == 1 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
      return c
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
      (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    // MARK: DEFLATE

    private static let lengthBase = [
      3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
      131, 163, 195, 227, 258,
    ]
    private static let lengthExtra = [
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
      1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
      2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
      0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
      13, 13,
    ]

    private static let window = 32_768
    private static let minMatch = 3
    private static let maxMatch = 258
    /// How many earlier positions with the same 3-byte hash are tried: enough for text.
    private static let maxChain = 128

    /// One final block with the fixed Huffman code, matches found greedily.
    static func deflate(_ input: [UInt8]) -> [UInt8] {
      var bits = BitWriter()
      bits.write(1, count: 1)  // BFINAL
      bits.write(1, count: 2)  // BTYPE 01: fixed Huffman code
      let hashSize = 1 << 15
      var head = [Int](repeating: -1, count: hashSize)
      var previous = [Int](repeating: -1, count: input.count)
      func hash(_ i: Int) -> Int {
        (Int(input[i]) << 10 ^ Int(input[i + 1]) << 5 ^ Int(input[i + 2])) & (hashSize - 1)
      }
      func insert(_ i: Int) {
        guard i + minMatch <= input.count else { return }
        let h = hash(i)
        previous[i] = head[h]
        head[h] = i
      }

      var i = 0
      while i < input.count {
        var bestLength = 0
        var bestDistance = 0
        if i + minMatch <= input.count {
          var candidate = head[hash(i)]
          var chain = 0
          let limit = min(maxMatch, input.count - i)
          while candidate >= 0 && i - candidate <= window && chain < maxChain {
            var length = 0
            while length < limit && input[candidate + length] == input[i + length] { length += 1 }
            if length > bestLength {
              bestLength = length
              bestDistance = i - candidate
              if length == limit { break }
            }
            candidate = previous[candidate]
            chain += 1
          }
        }
        if bestLength >= minMatch {
          writeLength(bestLength, to: &bits)
          writeDistance(bestDistance, to: &bits)
          for j in i..<(i + bestLength) { insert(j) }
          i += bestLength
        } else {
          writeSymbol(Int(input[i]), to: &bits)
          insert(i)
          i += 1
        }
      }
      writeSymbol(256, to: &bits)  // end of block
      return bits.finish()
    }

    /// A literal/length symbol in the fixed code (RFC 1951 3.2.6).
    private static func writeSymbol(_ symbol: Int, to bits: inout BitWriter) {
      switch symbol {
      case 0...143: bits.writeCode(0x30 + symbol, count: 8)
      case 144...255: bits.writeCode(0x190 + symbol - 144, count: 9)
      case 256...279: bits.writeCode(symbol - 256, count: 7)
      default: bits.writeCode(0xc0 + symbol - 280, count: 8)
      }
    }

    private static func writeLength(_ length: Int, to bits: inout BitWriter) {
      let code = (lengthBase.lastIndex { $0 <= length }) ?? 0
      writeSymbol(257 + code, to: &bits)
      bits.write(length - lengthBase[code], count: lengthExtra[code])
    }

    private static func writeDistance(_ distance: Int, to bits: inout BitWriter) {
      let code = (distanceBase.lastIndex { $0 <= distance }) ?? 0
      bits.writeCode(code, count: 5)
      bits.write(distance - distanceBase[code], count: distanceExtra[code])
    }

    /// Packs bits least significant first, as DEFLATE stores them.
    private struct BitWriter {
      var bytes: [UInt8] = []
      var buffer: UInt32 = 0
      var filled = 0

      /// `count` low bits of `value`, least significant first (header fields, extra bits).
      mutating func write(_ value: Int, count: Int) {
        guard count > 0 else { return }
        buffer |= UInt32(value & ((1 << count) - 1)) << UInt32(filled)
        filled += count
        while filled >= 8 {
          bytes.append(UInt8(truncatingIfNeeded: buffer))
          buffer >>= 8
          filled -= 8
        }
      }

      /// A Huffman code, which DEFLATE stores most significant bit first.
      mutating func writeCode(_ code: Int, count: Int) {
        var reversed = 0
        for bit in 0..<count where code & (1 << bit) != 0 { reversed |= 1 << (count - 1 - bit) }
        write(reversed, count: count)
      }

      mutating func finish() -> [UInt8] {
        if filled > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        return bytes
      }
    }
  }
}
