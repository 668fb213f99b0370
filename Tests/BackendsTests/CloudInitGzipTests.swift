import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

@Suite struct CloudInitGzipTests {
  typealias Gzip = CloudInitBackend.Gzip

  /// Deterministic noise (a linear congruential generator), which DEFLATE cannot shrink.
  static func noise(_ count: Int, seed: UInt32 = 7) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 1_103_515_245 &+ 12_345
      return UInt8(truncatingIfNeeded: state >> 16)
    }
  }

  /// The largest example's plan: the one whose cloud-config only fits EC2's user-data once
  /// its apply script is compressed.
  static let examplePlan: Plan? = {
    let url = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("examples/writeup-all-mirrors.yaml")
    let bytes = (try? Data(contentsOf: url)).map { [UInt8]($0) } ?? []
    var diagnostics = Diagnostics()
    return SpecLoader.load(SourceFile(path: url.path, bytes: bytes), diagnostics: &diagnostics)
      .flatMap { Compiler.compile($0, diagnostics: &diagnostics) }
  }()

  /// That plan as a shell script: real generated text, about 24 KB.
  static let exampleScript: [UInt8] = {
    var diagnostics = Diagnostics()
    return examplePlan.flatMap { ShellBackend().render($0, diagnostics: &diagnostics) }
      .map { Array($0.utf8) } ?? []
  }()

  static let inputs: [(String, [UInt8])] = {
    let script = Array(
      String(repeating: "ns_put_file '/etc/x' 644 'root' 'root'\n", count: 500).utf8)
    // 300 bytes of noise, 32 468 more, then the first 300 again: the only match for them is
    // exactly 32 768 bytes back, in matches of 258 and 42.
    let farBlock = noise(300, seed: 3)
    let far = farBlock + noise(32_468, seed: 5) + farBlock
    return [
      ("empty", []),
      ("one byte", [0]),
      ("every byte value", (0...255).map { UInt8($0) }),
      ("every byte value, twice", (0...255).map { UInt8($0) } + (0...255).map { UInt8($0) }),
      ("short repeat", Array("abcabcabcabc".utf8)),
      ("1 MB of one byte", [UInt8](repeating: 0x61, count: 1 << 20)),
      ("noise", noise(70_000)),
      ("repeated shell line", script),
      ("example apply script", exampleScript),
      ("injection payloads", Array(ShellTestPlans.injectionPayloads.joined(separator: "\n").utf8)),
      ("match at 32768", far),
      // The second copy is 40 000 bytes back, beyond the window: it must not be matched.
      ("repeat beyond the window", noise(40_000) + noise(40_000)),
      // Text, then noise, then text: blocks of different kinds in one stream.
      ("text, noise, text", script + noise(20_000, seed: 11) + script),
    ]
  }()

  /// Both levels the backend compresses at.
  static let levels = [Gzip.fastLevel, Gzip.thoroughLevel]

  /// Runs python3 on `input` and `packed` (its gzip member unless given); the program reads
  /// `sys.argv[1]` (the input) and `sys.argv[2]` (the packed bytes) and prints its verdict.
  static func python(
    _ program: String, _ input: [UInt8], packed: [UInt8]? = nil,
    level: Int32 = Gzip.thoroughLevel
  ) throws -> ShellTestSupport.Run {
    let folder = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let raw = folder.appendingPathComponent("input")
    let packedURL = folder.appendingPathComponent("packed")
    try Data(input).write(to: raw)
    try Data(try packed ?? #require(Gzip.compress(input, level: level))).write(
      to: packedURL)
    return try ShellTestSupport.run("python3", ["-c", program, raw.path, packedURL.path])
  }

  /// Python's gzip (what cloud-init uses) and zlib itself read back every input exactly, at
  /// both levels.
  @Test(arguments: inputs.indices, levels) func pythonReadsItBack(_ index: Int, level: Int32)
    throws
  {
    let (name, input) = Self.inputs[index]
    let program = """
      import gzip, sys, zlib
      raw = open(sys.argv[1], "rb").read()
      packed = open(sys.argv[2], "rb").read()
      assert gzip.decompress(packed) == raw, "gzip.decompress"
      assert zlib.decompress(packed, 31) == raw, "zlib.decompress"
      print("ok")
      """
    let run = try Self.python(program, input, level: level)
    #expect(run.status == 0 && run.stdout == "ok\n", "\(name), level \(level): \(run.stderr)")
  }

  /// The same input at the same level gives the same bytes, and the header has no time stamp.
  @Test(arguments: inputs.indices, levels) func isDeterministic(_ index: Int, level: Int32)
    throws
  {
    let input = Self.inputs[index].1
    let packed = try #require(Gzip.compress(input, level: level))
    #expect(packed == Gzip.compress(input, level: level))
    // ID1 ID2 CM FLG, MTIME 0, XFL (libdeflate: 4 "fastest" below level 2, 0 from 2 to 7, 2
    // "slowest" from 8 on), OS 255 (unknown).
    let xfl: UInt8 = level < 2 ? 4 : level < 8 ? 0 : 2
    #expect(packed.prefix(10).elementsEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]))
  }

  /// Within 10% of `gzip -9` on the script that has to fit in EC2's user-data at the
  /// thorough level, within 15% at the fast one; and the fast level is the cheap one, not a
  /// copy of the thorough one.
  @Test func exampleScriptIsCloseToGzip9() throws {
    let input = Self.exampleScript
    try #require(input.count > 20_000, "the example no longer compiles")
    let reference = try Self.gzip9Size(input)
    let thorough = try #require(Gzip.compress(input, level: Gzip.thoroughLevel)).count
    #expect(thorough * 10 <= reference * 11, "ours \(thorough) bytes, gzip -9 \(reference)")
    let fast = try #require(Gzip.compress(input, level: Gzip.fastLevel)).count
    #expect(fast * 20 <= reference * 23, "ours \(fast) bytes, gzip -9 \(reference)")
    #expect(fast > thorough)
  }

  /// What the compression is for: the example's cloud-config fits, with room to spare.
  @Test func exampleCloudConfigFitsUserData() throws {
    let plan = try #require(Self.examplePlan, "the example no longer compiles")
    var diagnostics = Diagnostics()
    let document = try #require(CloudInitBackend().render(plan, diagnostics: &diagnostics))
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all)")
    #expect(document.utf8.count < CloudInitBackend.userDataLimit - 256)
  }

  /// On every compressible input, no more than 10% (or 16 bytes) over `gzip -9` at the
  /// thorough level, 20% at the fast one (its hash table keeps one candidate per position:
  /// 18% over on a megabyte of one byte, 8% on the example's script).
  @Test(arguments: inputs.indices) func isCloseToGzip9(_ index: Int) throws {
    let (name, input) = Self.inputs[index]
    let reference = try Self.gzip9Size(input)
    let thorough = try #require(Gzip.compress(input, level: Gzip.thoroughLevel)).count
    #expect(
      thorough <= max(reference * 11 / 10, reference + 16), "\(name): \(thorough) vs \(reference)")
    let fast = try #require(Gzip.compress(input, level: Gzip.fastLevel)).count
    #expect(fast <= max(reference * 6 / 5, reference + 16), "\(name): \(fast) vs \(reference)")
  }

  static func gzip9Size(_ input: [UInt8]) throws -> Int {
    let folder = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("input")
    try Data(input).write(to: file)
    let run = try ShellTestSupport.run(
      "sh", ["-c", "gzip -9 -n -c \"$1\" | wc -c", "sh", file.path])
    return try #require(Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
  }

  /// Inputs that make a matcher slow: long chains of equal hashes where no match gets long,
  /// and runs where every length matches at every position. libdeflate bounds its search
  /// depth at every level; this holds whoever changes the level (or the library) to that.
  static let pathological: [[UInt8]] = {
    // Every fourth byte starts the same three-byte prefix.
    func chained(_ count: Int) -> [UInt8] {
      var result: [UInt8] = []
      for (index, byte) in Self.noise(count, seed: 13).enumerated() {
        result += index % 4 == 0 ? [0x78, 0x79, 0x7a] : [byte]
      }
      return result
    }
    return [[UInt8](repeating: 0, count: 1 << 20), chained(65_536), chained(1 << 20)]
  }()

  /// Each takes well under two seconds of CPU in a debug build. CPU time, not the clock's:
  /// tests run in parallel, and with other work on the machine.
  @Test(arguments: pathological.indices, levels) func pathologicalInputsAreFast(
    _ index: Int, level: Int32
  ) {
    let input = Self.pathological[index]
    let start = Self.threadCPUTime()
    _ = Gzip.compress(input, level: level)
    let seconds = Self.threadCPUTime() - start
    #expect(seconds < 2, "\(input.count) bytes at level \(level) took \(seconds) s")
  }

  static func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  @Test func base64MatchesTheStandard() {
    #expect(Gzip.base64(Array("Man".utf8)) == "TWFu\n")
    #expect(Gzip.base64(Array("Ma".utf8)) == "TWE=\n")
    #expect(Gzip.base64(Array("M".utf8)) == "TQ==\n")
  }

  /// Lines of 76 characters, as Python's `base64.encodebytes` writes them (the MIME form).
  @Test(arguments: [0, 56, 57, 58, 114, 1_000]) func base64MatchesPython(_ count: Int) throws {
    let input = Self.noise(count)
    let program = """
      import base64, sys
      sys.stdout.write(base64.encodebytes(open(sys.argv[1], "rb").read()).decode() or "\\n")
      """
    let run = try Self.python(program, input, packed: [])
    #expect(run.status == 0 && run.stdout == Gzip.base64(input), "\(run.stderr)")
  }
}
