import Foundation
import Testing

@testable import Backends

/// The compile-time sha256 must be the one `sha256sum` prints on the node, or a converged
/// file would never be recognised (or, worse, a changed one taken for unchanged).
@Suite struct SHA256Tests {
  @Test func knownVectors() {
    #expect(
      SHA256Digest.hex("".utf8) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256Digest.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  /// Every length around the padding's edges (55, 56, 63, 64, 65 bytes mod 64), and bytes
  /// that are not ASCII, against the tool the node runs.
  @Test(.enabled(if: ShellTestSupport.has("sha256sum")))
  func agreesWithSha256sum() throws {
    for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097] {
      let text = String(repeating: "ünï\n\t$'", count: length / 8 + 1).utf8.prefix(length)
      let bytes = Array(text)
      let run = try ShellTestSupport.run(
        "sha256sum", [], input: String(decoding: bytes, as: UTF8.self))
      // The input went through a String: compare with the bytes that were really sent.
      let sent = Array(String(decoding: bytes, as: UTF8.self).utf8)
      #expect(SHA256Digest.hex(sent) == String(run.stdout.prefix(64)), "length \(length)")
    }
  }
}
