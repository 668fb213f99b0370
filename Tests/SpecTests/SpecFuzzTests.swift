import Testing

@testable import Spec

/// Mutated specs must never crash the reader, the decoder or the renderer, and every position
/// they report must exist in the file.
@Suite struct SpecFuzzTests {
  /// SplitMix64: a fixed seed makes every run test the same inputs.
  struct Random: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let alphabet: [[UInt8]] =
    [
      "[", "]", "{", "}", ":", ": ", ",", "- ", "&a ", "*a", "!", "|", ">", "'", "\"", "#", "%",
      "@", "`", "\t", "\r", "\n", "\r\n", "  ", "~", "<<", "---\n", "\\", "é", "日", "😀", "yes",
      "\u{85}", "\u{2028}", "\u{FEFF}", "\u{1B}",
    ].map { Array($0.utf8) } + [[0], [0xFF], [0xC3]]

  static func mutate(_ bytes: [UInt8], using random: inout Random) -> [UInt8] {
    var bytes = bytes
    for _ in 0..<Int.random(in: 1...4, using: &random) {
      let at = Int.random(in: 0...bytes.count, using: &random)
      switch Int.random(in: 0..<3, using: &random) {
      case 0 where at < bytes.count:
        bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &random)))
      case 1:
        bytes.insert(contentsOf: alphabet.randomElement(using: &random) ?? [], at: at)
      default:
        let from = Int.random(in: 0..<bytes.count, using: &random)
        let piece = bytes[from..<min(bytes.count, from + Int.random(in: 1...40, using: &random))]
        bytes.insert(contentsOf: piece, at: at)
      }
    }
    return bytes
  }

  @Test func mutatedDesignSpecs() {
    var random = Random(state: 2026)
    let original = Array(designSpec.utf8)
    let renderer = DiagnosticRenderer(color: false)
    let clock = ContinuousClock()
    let elapsed = clock.measure {
      for _ in 0..<1_500 {
        let file = SourceFile(path: "fuzz.yaml", bytes: Self.mutate(original, using: &random))
        var diagnostics = Diagnostics()
        let spec = SpecLoader.load(file, diagnostics: &diagnostics)
        #expect((spec == nil) == diagnostics.hasErrors)
        let lines = file.bytes.indices.filter { file.lineBreakWidth(at: $0) > 0 }.count + 1
        for diagnostic in diagnostics.all {
          for range in [diagnostic.range] + diagnostic.notes.map(\.range) {
            guard let range else { continue }
            #expect(range.start.line >= 1 && range.start.line <= lines, "\(diagnostic.id)")
            #expect(range.start.column >= 1)
          }
        }
        _ = renderer.render(diagnostics.all, in: file)
      }
    }
    #expect(elapsed < .seconds(30))
  }
}
