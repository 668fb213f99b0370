import CZlib

extension CloudInitBackend {
  /// gzip through the system's zlib (linked like libyaml), and base64, for `write_files`
  /// entries with `encoding: gz+b64`.
  ///
  /// Compression is what keeps a large plan's user-data under EC2's 16 KB. Level 9 with
  /// memLevel 9 is zlib's smallest output; on the plans' scripts it is about 2% larger than an
  /// optimal parse, for a twentieth of the instructions (docs/performance.md). The header
  /// carries no time stamp and no OS, so the same input gives the same bytes with the same
  /// zlib.
  enum Gzip {
    /// `bytes` as a gzip member; nil only when zlib cannot start (out of memory, or a zlib
    /// that does not match its header).
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
      guard bytes.count <= UInt32.max else { return nil }
      var stream = z_stream()
      guard nodespec_gzip_init(&stream) == Z_OK else { return nil }
      defer { deflateEnd(&stream) }
      // MTIME 0 (none) and OS 255 (unknown): nothing that depends on the machine or the time.
      // zlib writes XFL 2 (best compression) itself.
      var header = gz_header()
      header.os = 255
      var output: [UInt8] = []
      let status = withUnsafeMutablePointer(to: &header) { header in
        guard deflateSetHeader(&stream, header) == Z_OK else { return Z_STREAM_ERROR }
        // Enough for one deflate(Z_FINISH) call, header and trailer included.
        output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        return bytes.withUnsafeBufferPointer { input in
          output.withUnsafeMutableBufferPointer { buffer in
            stream.next_in = input.baseAddress
            stream.avail_in = uInt(input.count)
            stream.next_out = buffer.baseAddress
            stream.avail_out = uInt(buffer.count)
            return deflate(&stream, Z_FINISH)
          }
        }
      }
      guard status == Z_STREAM_END else { return nil }
      return Array(output.prefix(Int(stream.total_out)))
    }

    private static let alphabet = Array(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, in lines of 76 characters (cloud-init's decoder skips
    /// the line breaks).
    static func base64(_ bytes: [UInt8]) -> String {
      var out: [UInt8] = []
      out.reserveCapacity((bytes.count + 2) / 3 * 4 + bytes.count / 57 + 1)
      var index = 0
      while index < bytes.count {
        let count = min(3, bytes.count - index)
        let b0 = Int(bytes[index])
        let b1 = count > 1 ? Int(bytes[index + 1]) : 0
        let b2 = count > 2 ? Int(bytes[index + 2]) : 0
        out.append(alphabet[b0 >> 2])
        out.append(alphabet[(b0 & 3) << 4 | b1 >> 4])
        out.append(count > 1 ? alphabet[(b1 & 15) << 2 | b2 >> 6] : UInt8(ascii: "="))
        out.append(count > 2 ? alphabet[b2 & 63] : UInt8(ascii: "="))
        index += 3
        if index % 57 == 0 && index < bytes.count { out.append(UInt8(ascii: "\n")) }
      }
      out.append(UInt8(ascii: "\n"))
      return String(decoding: out, as: UTF8.self)
    }
  }
}
