import Testing

@testable import Spec

/// Hostile input must fail fast: each case errors, well within a generous time bound.
@Suite struct YAMLReaderLimitsTests {
  static let bound = Duration.seconds(1)

  func readTimed(_ text: String) -> (ids: [String], elapsed: Duration) {
    let clock = ContinuousClock()
    var ids: [String] = []
    let elapsed = clock.measure { ids = read(text).diagnostics.all.map(\.id) }
    return (ids, elapsed)
  }

  @Test func billionLaughs() {
    var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    let names = "abcdefghi".map(String.init)
    for (previous, name) in zip(names, names.dropFirst()) {
      let refs = Array(repeating: "*\(previous)", count: 9).joined(separator: ", ")
      text += "\(name): &\(name) [\(refs)]\n"
    }
    let (ids, elapsed) = readTimed(text)
    #expect(ids == ["alias-limit"])
    #expect(elapsed < Self.bound)
  }

  @Test func quadraticBlowupThroughOneBigAnchor() {
    let big = (0..<2_000).map { "k\($0): v" }.joined(separator: ", ")
    let text =
      "a: &a {\(big)}\nb: [" + Array(repeating: "*a", count: 100).joined(separator: ", ")
      + "]\n"
    let (ids, elapsed) = readTimed(text)
    #expect(ids == ["alias-limit"])
    #expect(elapsed < Self.bound)
  }

  @Test(arguments: [
    String(repeating: "[", count: 100_000),
    String(repeating: "{a: ", count: 100_000),
    String(repeating: "- ", count: 100_000) + "x\n",
    (0..<200).map { String(repeating: " ", count: $0) + "a:\n" }.joined(),
  ])
  func deepNesting(_ text: String) {
    let (ids, elapsed) = readTimed(text)
    #expect(ids == ["too-deep"])
    #expect(elapsed < Self.bound)
  }

  @Test func depthLimitIsExact() {
    let limit = YAMLReader.Limits().maxDepth
    let fits = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
    let over = "[" + fits + "]"
    #expect(read(fits).diagnostics.all.isEmpty)
    #expect(read(over).diagnostics.all.map(\.id) == ["too-deep"])
  }

  @Test func aLargeFlatFileIsReadQuickly() {
    // Just under the size limit, some 100k nodes.
    let line = "key-00000: [a, b, c]\n"
    let count = (1 << 20) / line.utf8.count
    let text = (0..<count).map { "key-\($0): [a, b, c]\n" }.joined()
    let (ids, elapsed) = readTimed(text)
    #expect(ids.isEmpty)
    #expect(elapsed < Self.bound * 5)
  }

  @Test func aFileFullOfProblemsIsCappedAndRendersQuickly() {
    let text = "nodespec: 1\n" + (0..<20_000).map { "k\($0): 1\n" }.joined()
    let clock = ContinuousClock()
    var diagnostics = Diagnostics()
    let file = SourceFile(path: "t.yaml", text: text)
    let elapsed = clock.measure {
      _ = SpecLoader.load(file, diagnostics: &diagnostics)
      _ = DiagnosticRenderer(color: false).render(diagnostics.all, in: file)
    }
    #expect(diagnostics.all.count == Diagnostics.displayLimit + 1)
    #expect(diagnostics.all.last?.id == "too-many-diagnostics")
    #expect(diagnostics.all.last?.message.hasPrefix("19900 ") == true)
    // Generous: debug builds on a busy machine; what it guards against is minutes.
    #expect(elapsed < Self.bound * 10)
  }

  @Test func modestAliasUseIsFine() {
    let text = "a: &v [1, 2, 3]\nb: *v\nc: {x: *v, y: *v}\n"
    #expect(read(text).diagnostics.all.isEmpty)
  }
}
