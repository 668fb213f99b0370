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

  /// Runs python3 on `input` and `packed` (its gzip member unless given); the program reads
  /// `sys.argv[1]` (the input) and `sys.argv[2]` (the packed bytes) and prints its verdict.
  static func python(
    _ program: String, _ input: [UInt8], packed: [UInt8]? = nil
  ) throws -> ShellTestSupport.Run {
    let folder = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let raw = folder.appendingPathComponent("input")
    let packedURL = folder.appendingPathComponent("packed")
    try Data(input).write(to: raw)
    try Data(packed ?? Gzip.compress(input)).write(to: packedURL)
    return try ShellTestSupport.run("python3", ["-c", program, raw.path, packedURL.path])
  }

  /// Python's gzip (what cloud-init uses) and zlib itself read back every input exactly.
  @Test(arguments: inputs.indices) func pythonReadsItBack(_ index: Int) throws {
    let (name, input) = Self.inputs[index]
    let program = """
      import gzip, sys, zlib
      raw = open(sys.argv[1], "rb").read()
      packed = open(sys.argv[2], "rb").read()
      assert gzip.decompress(packed) == raw, "gzip.decompress"
      assert zlib.decompress(packed, 31) == raw, "zlib.decompress"
      print("ok")
      """
    let run = try Self.python(program, input)
    #expect(run.status == 0 && run.stdout == "ok\n", "\(name): \(run.stderr)")
  }

  /// A stored block longer than LEN's 65535 bytes goes out as several, each padded from
  /// wherever the block before it ended.
  @Test func longStoredBlockSplits() throws {
    let noise = Self.noise(70_000)
    let text = Array("abc".utf8)
    var bits = Deflate.BitWriter()
    // A fixed-code block of 3 literals first, so the stored one starts off a byte boundary.
    Deflate.BlockEncoder(tokens: text.map(Deflate.Token.literal)[...], raw: text[...])
      .write(to: &bits, isFinal: false)
    Deflate.BlockEncoder(tokens: noise.map(Deflate.Token.literal)[...], raw: noise[...])
      .write(to: &bits, isFinal: true)
    let program = """
      import sys, zlib
      raw = open(sys.argv[1], "rb").read()
      assert zlib.decompress(open(sys.argv[2], "rb").read(), -15) == raw
      print("ok")
      """
    let run = try Self.python(program, text + noise, packed: bits.finish())
    #expect(run.status == 0 && run.stdout == "ok\n", "\(run.stderr)")
  }

  /// The far input exercises the longest match at the longest distance.
  @Test func matchesReachTheLimits() throws {
    let far = try #require(Self.inputs.first { $0.0 == "match at 32768" }?.1)
    let tokens = Deflate.Matcher().tokens(far)
    #expect(tokens.contains(Deflate.Token(length: 258, distance: 32_768)))
    #expect(tokens.contains(Deflate.Token(length: 42, distance: 32_768)))
    #expect(tokens.reduce(0) { $0 + $1.inputLength } == far.count)
  }

  /// The same input gives the same bytes, and the header has no time stamp.
  @Test(arguments: inputs.indices) func isDeterministic(_ index: Int) {
    let input = Self.inputs[index].1
    let packed = Gzip.compress(input)
    #expect(packed == Gzip.compress(input))
    // ID1 ID2 CM FLG, MTIME 0, XFL 2 (best compression), OS 255 (unknown).
    #expect(packed.prefix(10).elementsEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]))
  }

  /// Within 10% of `gzip -9` on the script that has to fit in EC2's user-data.
  @Test func exampleScriptIsCloseToGzip9() throws {
    let input = Self.exampleScript
    try #require(input.count > 20_000, "the example no longer compiles")
    let reference = try Self.gzip9Size(input)
    let ours = Gzip.compress(input).count
    #expect(ours * 10 <= reference * 11, "ours \(ours) bytes, gzip -9 \(reference)")
  }

  /// What the compression is for: the example's cloud-config fits, with room to spare.
  @Test func exampleCloudConfigFitsUserData() throws {
    let plan = try #require(Self.examplePlan, "the example no longer compiles")
    var diagnostics = Diagnostics()
    let document = try #require(CloudInitBackend().render(plan, diagnostics: &diagnostics))
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all)")
    #expect(document.utf8.count < CloudInitBackend.userDataLimit - 256)
  }

  /// On every compressible input, no more than 10% (or 16 bytes) over `gzip -9`.
  @Test(arguments: inputs.indices) func isCloseToGzip9(_ index: Int) throws {
    let (name, input) = Self.inputs[index]
    let reference = try Self.gzip9Size(input)
    let ours = Gzip.compress(input).count
    #expect(ours <= max(reference * 11 / 10, reference + 16), "\(name): \(ours) vs \(reference)")
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

  /// The smallest block type wins: stored for noise, fixed for a tiny input, dynamic for text.
  @Test func choosesTheBlockType() {
    func firstBlockType(_ input: [UInt8]) -> Int { Int(Deflate.compress(input)[0] >> 1 & 3) }
    #expect(firstBlockType(Self.noise(70_000)) == 0)
    #expect(firstBlockType(Array("a".utf8)) == 1)
    #expect(firstBlockType(Self.exampleScript) == 2)
    // Noise costs 5 bytes a block over its size (3 bits, padding, LEN, NLEN) plus the gzip
    // frame's 18.
    let noise = Self.noise(200_000)
    let blocks = noise.count / Deflate.maxBlockTokens + 1
    #expect(Gzip.compress(noise).count <= noise.count + 18 + 5 * blocks)
  }

  /// Inputs that make a naive matcher slow: long chains of equal hashes where no match gets
  /// long, and runs where every length matches at every position, which is the most work
  /// for the cost-based parse (below its size limit) and for the lazy one (above).
  static let pathological: [[UInt8]] = {
    // Every fourth byte starts the same three-byte prefix.
    func chained(_ count: Int) -> [UInt8] {
      var result: [UInt8] = []
      for (index, byte) in Self.noise(count, seed: 13).enumerated() {
        result += index % 4 == 0 ? [0x78, 0x79, 0x7a] : [byte]
      }
      return result
    }
    let parsed = Deflate.OptimalParser().maxInput
    return [
      [UInt8](repeating: 0, count: 1 << 20), [UInt8](repeating: 0, count: parsed),
      chained(65_536), chained(parsed / 3 * 2),
    ]
  }()

  /// Each takes well under two seconds of CPU in a debug build. CPU time, not the clock's:
  /// tests run in parallel, and with other work on the machine.
  @Test(arguments: pathological.indices) func pathologicalInputsAreFast(_ index: Int) {
    let input = Self.pathological[index]
    let start = Self.threadCPUTime()
    _ = Deflate.compress(input)
    let seconds = Self.threadCPUTime() - start
    #expect(seconds < 2, "\(input.count) bytes took \(seconds) s")
  }

  static func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  /// The cost-based parse only ever replaces the lazy one with something smaller.
  @Test(arguments: inputs.indices) func parseIsNoWorseThanLazy(_ index: Int) {
    let input = Self.inputs[index].1
    #expect(Deflate.compress(input).count <= Deflate.compress(input, parser: nil).count)
  }

  @Test func huffmanLengthsRespectTheLimit() {
    // Fibonacci frequencies make a plain Huffman tree as deep as there are symbols.
    var fibonacci = [1, 1]
    while fibonacci.count < 30 {
      fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2])
    }
    for (frequencies, limit) in [(fibonacci, 15), (fibonacci, 7), (Array(fibonacci.prefix(19)), 7)]
    {
      let lengths = Deflate.HuffmanCode.lengths(frequencies: frequencies, limit: limit)
      #expect(lengths.allSatisfy { 1...limit ~= $0 })
      // Kraft's sum is exactly one: the code is complete, as zlib requires.
      #expect(lengths.reduce(0) { $0 + 1 << (limit - $1) } == 1 << limit)
      // A more frequent symbol never has a longer code.
      #expect(zip(lengths, lengths.dropFirst()).allSatisfy { $0 >= $1 })
    }
    // One used symbol still makes a complete two-symbol code.
    #expect(Deflate.HuffmanCode.lengths(frequencies: [0, 0, 5], limit: 15) == [1, 0, 1])
  }

  @Test func canonicalCodesMatchTheRFC() {
    // RFC 1951 §3.2.2's example: lengths (3, 3, 3, 3, 3, 2, 4, 4) give codes 010, 011, 100,
    // 101, 110, 00, 1110, 1111 (here bit-reversed).
    let code = Deflate.HuffmanCode(lengths: [3, 3, 3, 3, 3, 2, 4, 4])
    #expect(code.codes == [0b010, 0b110, 0b001, 0b101, 0b011, 0b00, 0b0111, 0b1111])
  }

  @Test func symbolsMatchTheTables() {
    typealias Encoder = Deflate.BlockEncoder
    for distance in 1...32_768 {
      let symbol = Encoder.distanceSymbol(distance)
      let base = Encoder.distanceBase[symbol]
      #expect(base <= distance && distance < base + 1 << Encoder.distanceExtra[symbol])
    }
    for length in 3...258 {
      let symbol = Encoder.lengthSymbol(length)
      #expect(Encoder.lengthBase[symbol] <= length)
      #expect(
        length - Encoder.lengthBase[symbol] < 1 << Encoder.lengthExtra[symbol] || length == 258)
    }
  }

  @Test func runLengthCodingExpandsBack() {
    let lengths = [0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8, 5] + [Int](repeating: 0, count: 150) + [7, 7]
    var expanded: [Int] = []
    for run in Deflate.DynamicHeader.runLengthEncoded(lengths) {
      switch run.symbol {
      case 16: expanded += repeatElement(expanded.last ?? -1, count: run.extra + 3)
      case 17: expanded += repeatElement(0, count: run.extra + 3)
      case 18: expanded += repeatElement(0, count: run.extra + 11)
      default: expanded.append(run.symbol)
      }
    }
    #expect(expanded == lengths)
  }

  @Test func base64MatchesTheStandard() {
    #expect(Gzip.base64(Array("Man".utf8)) == "TWFu\n")
    #expect(Gzip.base64(Array("Ma".utf8)) == "TWE=\n")
    #expect(Gzip.base64(Array("M".utf8)) == "TQ==\n")
    #expect(Gzip.crc32(Array("123456789".utf8)) == 0xcbf4_3926)
  }
}
