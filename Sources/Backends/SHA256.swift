import Crypto

/// SHA-256 of a byte string, as lowercase hex: the digest `sha256sum` prints and the manifest
/// records. The shell backend hashes each file whose content is known at compile time, so
/// that on a converged node the file's step compares two strings and starts no process
/// (docs/plan-contract.md, "The manifest"). swift-crypto does the hashing: it is already in
/// the build for swift-certificates, and a well-kept library beats a hand-written one.
enum SHA256Digest {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  static func hex<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
    let digest =
      bytes.withContiguousStorageIfAvailable { Crypto.SHA256.hash(data: $0) }
      ?? Crypto.SHA256.hash(data: Array(bytes))
    var out: [UInt8] = []
    out.reserveCapacity(64)
    // Through its bytes, not `for byte in digest`: the digest's own iterator is generic code
    // from another module, and its first use makes the runtime look up associated type
    // witnesses (0.25 M instructions).
    digest.withUnsafeBytes { bytes in
      for byte in bytes {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0F)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
