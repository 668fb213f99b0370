extension CloudInitBackend {
  /// A small, deterministic gzip writer (RFC 1952 framing around `Deflate`) and base64, for
  /// `write_files` entries with `encoding: gz+b64`.
  ///
  /// Why here and not zlib: Foundation on Linux has no gzip, and only the Spec module may
  /// import C. Compression is what keeps a large plan's user-data under EC2's 16 KB; the
  /// header carries no time stamp, so the same input always gives the same bytes.
  enum Gzip {
    /// `bytes` as a gzip member.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
      // ID1 ID2, CM=deflate, FLG=0, MTIME=0 (none), XFL=2 (best compression), OS=255
      // (unknown): nothing that depends on the machine or the time.
      var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]
      out += Deflate.compress(bytes)
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
  }
}
