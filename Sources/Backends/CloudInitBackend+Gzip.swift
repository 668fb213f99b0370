import CLibDeflate
import Spec

extension CloudInitBackend {
  /// gzip through the system's libdeflate (linked like libyaml), and base64, for
  /// `write_files` entries with `encoding: gz+b64` and for a user-data compressed whole.
  ///
  /// Compression is what keeps a large plan's user-data under EC2's 16 KB, at two levels
  /// (docs/performance.md, "The compression level"): `fastLevel` first, which keeps every
  /// example's cloud-config under the limit for 40% of the instructions, and `thoroughLevel`
  /// only for a document that does not fit that way (and for the user-data compressed whole),
  /// so that as many registries fit as with it alone. The header carries no time stamp and OS
  /// 255 (unknown), so the same input at the same level gives the same bytes with the same
  /// libdeflate.
  enum Gzip {
    /// libdeflate's fastest parse (a hash table, one candidate per position): 1.13 M
    /// instructions and 42 page faults for the write-up's 38 KB apply script, against 2.85 M
    /// and 70 at `thoroughLevel`, for 10% more compressed bytes.
    static let fastLevel: Int32 = 1
    /// libdeflate's lazy2 parse at its cheapest: against zlib's level 9 (docs/performance.md,
    /// "DEFLATE"), half the instructions, output 0.4% larger on the write-up's apply script
    /// and 3.6% smaller on a 100-registry one.
    static let thoroughLevel: Int32 = 7

    /// `bytes` as a gzip member; nil only when libdeflate cannot allocate its compressor.
    static func compress(_ bytes: UnsafeBufferPointer<UInt8>, level: Int32) -> [UInt8]? {
      guard let compressor = libdeflate_alloc_compressor(level) else { return nil }
      defer { libdeflate_free_compressor(compressor) }
      // The bound holds any input, incompressible ones in stored blocks, so compressing
      // never runs out of room (it returns 0 only then).
      let bound = libdeflate_gzip_compress_bound(compressor, bytes.count)
      let packed = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
        count = libdeflate_gzip_compress(
          compressor, bytes.baseAddress, bytes.count, buffer.baseAddress, bound)
      }
      return packed.isEmpty ? nil : packed
    }

    static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
      bytes.withUnsafeBufferPointer { compress($0, level: level) }
    }

    private static let alphabet: [UInt8] = Array(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, in lines of 76 characters (cloud-init's decoder skips
    /// the line breaks), each indented by `indent` spaces: the lines of a YAML literal block
    /// as they are, since no base64 character needs quoting there. Written into one buffer of
    /// the exact size, then into `out` in one copy.
    static func base64(_ bytes: [UInt8], indent: Int = 0, to out: inout ByteWriter) {
      let lines = max(1, (bytes.count + 56) / 57)
      let size = (bytes.count + 2) / 3 * 4 + (bytes.isEmpty ? 1 : lines * (indent + 1))
      let text = [UInt8](unsafeUninitializedCapacity: size) { text, written in
        bytes.withUnsafeBufferPointer { input in
          alphabet.withUnsafeBufferPointer { alphabet in
            var at = 0
            func put(_ byte: UInt8) {
              text[at] = byte
              at += 1
            }
            var index = 0
            repeat {
              // 57 input bytes to a line of 76 characters.
              let end = min(index + 57, input.count)
              if index < end {
                for _ in 0..<indent { put(UInt8(ascii: " ")) }
              }
              while end - index >= 3 {
                let group =
                  Int(input[index]) << 16 | Int(input[index + 1]) << 8
                  | Int(input[index + 2])
                put(alphabet[group >> 18])
                put(alphabet[group >> 12 & 63])
                put(alphabet[group >> 6 & 63])
                put(alphabet[group & 63])
                index += 3
              }
              if end - index == 2 {
                let group = Int(input[index]) << 16 | Int(input[index + 1]) << 8
                put(alphabet[group >> 18])
                put(alphabet[group >> 12 & 63])
                put(alphabet[group >> 6 & 63])
                put(UInt8(ascii: "="))
              } else if end - index == 1 {
                let group = Int(input[index]) << 16
                put(alphabet[group >> 18])
                put(alphabet[group >> 12 & 63])
                put(UInt8(ascii: "="))
                put(UInt8(ascii: "="))
              }
              index = end
              put(UInt8(ascii: "\n"))
            } while index < input.count
            written = at
          }
        }
      }
      text.withUnsafeBufferPointer { out.write(bytes: $0) }
    }

    /// `base64(_:indent:to:)` as text, without indentation.
    static func base64(_ bytes: [UInt8]) -> String {
      var out = ByteWriter(capacity: bytes.count / 57 * 77 + 78)
      base64(bytes, to: &out)
      return out.text
    }
  }
}
