import Foundation
import Testing

@testable import Backends

@Suite struct CloudInitGzipTests {
  static let inputs: [[UInt8]] = {
    var state: UInt32 = 7
    let noise = (0..<70_000).map { _ -> UInt8 in
      state = state &* 1_103_515_245 &+ 12_345
      return UInt8(truncatingIfNeeded: state >> 16)
    }
    let script = Array(
      String(repeating: "ns_put_file '/etc/x' 644 'root' 'root'\n", count: 500).utf8)
    return [
      [], [0], Array("a".utf8), Array("abcabcabcabc".utf8), [UInt8](repeating: 0x61, count: 1_000),
      noise, script, Array(ShellTestPlans.injectionPayloads.joined(separator: "\n").utf8),
      // Distances beyond the 32 KiB window must not be used.
      Array(noise.prefix(40_000)) + Array(noise.prefix(40_000)),
    ]
  }()

  /// Python's gzip and base64 (what cloud-init uses) read back every input exactly.
  @Test(arguments: 0..<inputs.count) func pythonReadsItBack(_ index: Int) throws {
    let input = Self.inputs[index]
    let encoded = CloudInitBackend.Gzip.base64(CloudInitBackend.Gzip.compress(input))
    let program = """
      import base64, gzip, sys
      sys.stdout.buffer.write(gzip.decompress(base64.b64decode(sys.stdin.read())).hex().encode())
      """
    let run = try ShellTestSupport.run("python3", ["-c", program], input: encoded)
    #expect(run.status == 0, "\(run.stderr)")
    let hex = input.map { String(format: "%02x", $0) }.joined()
    #expect(run.stdout == hex)
  }

  @Test func compressesShellText() {
    let script = Self.inputs[6]
    #expect(CloudInitBackend.Gzip.compress(script).count * 10 < script.count)
  }

  @Test func base64MatchesTheStandard() {
    #expect(CloudInitBackend.Gzip.base64(Array("Man".utf8)) == "TWFu\n")
    #expect(CloudInitBackend.Gzip.base64(Array("Ma".utf8)) == "TWE=\n")
    #expect(CloudInitBackend.Gzip.base64(Array("M".utf8)) == "TQ==\n")
    #expect(CloudInitBackend.Gzip.crc32(Array("123456789".utf8)) == 0xcbf4_3926)
  }
}
