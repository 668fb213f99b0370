import Testing

@testable import Spec

@Suite struct DiagnosticRendererTests {
  let renderer = DiagnosticRenderer(color: false)

  /// Renders one error spanning columns `start..<end` of line 1 of `line`.
  func render(_ line: String, from start: Int, to end: Int) -> String {
    let range = SourceRange(
      start: SourceLocation(line: 1, column: start), end: SourceLocation(line: 1, column: end))
    let diagnostic = Diagnostic(.error, id: "x", "m", at: range)
    return renderer.render(diagnostic, in: SourceFile(path: "f", text: line + "\n"))
  }

  @Test func compilerStyleWithCaretNotesAndHint() {
    let text = "nodespec: 1\nnme: x\nname: y\nname: z\n"
    var diagnostics = Diagnostics()
    _ = SpecLoader.load(SourceFile(path: "node.yaml", text: text), diagnostics: &diagnostics)
    let output = renderer.render(diagnostics.all, in: SourceFile(path: "node.yaml", text: text))
    let expected = """
      node.yaml:2:1: error: unknown key `nme` [unknown-key]
        nme: x
        ^~~
        hint: did you mean `name`?
      node.yaml:4:1: error: duplicate key `name` [duplicate-key]
        name: z
        ^~~~
      node.yaml:3:1: note: first defined here
        name: y
        ^~~~
        hint: YAML keeps only one of them; remove the other

      """
    #expect(output == expected)
  }

  @Test func aCredentialInTheSpecIsNeverShown() {
    // The warning's own excerpt, and an error's excerpt of the same line, mask the value.
    let text =
      "nodespec: 1\nregistries:\n"
      + "  a.io: {mirrors: [{url: b.io, header: {Authorization: \"Bearer s3cret\", X Y: z}}]}\n"
    var diagnostics = Diagnostics()
    _ = SpecLoader.load(SourceFile(path: "n.yaml", text: text), diagnostics: &diagnostics)
    #expect(diagnostics.all.map(\.id).sorted() == ["invalid-header", "literal-secret"])
    let output = renderer.render(diagnostics.all, in: SourceFile(path: "n.yaml", text: text))
    #expect(!output.contains("s3cret"), "\(output)")
    #expect(output.contains("{Authorization: ***************, X Y: z}"), "\(output)")
  }

  @Test func aLongLineIsCutToAWindowAroundTheCaret() {
    // An error in the middle of a 1 MB line prints a line of terminal width, not the line.
    let line =
      "a: [" + String(repeating: "x", count: 500_000) + ", *y, "
      + String(repeating: "z", count: 500_000) + "]"
    let column = 4 + 500_000 + 3
    let output = render(line, from: column, to: column + 2)
    #expect(output.utf8.count < 600, "\(output.utf8.count) bytes")
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[1].hasPrefix("  …xxx") && lines[1].hasSuffix("zzz…"))
    // The caret still stands under the `*` of `*y`.
    func offset(of character: Character, in line: Substring) -> Int? {
      line.firstIndex(of: character).map { line.distance(from: line.startIndex, to: $0) }
    }
    let caret = offset(of: "^", in: lines[2])
    let star = offset(of: "*", in: lines[1])
    #expect(caret != nil && caret == star)
    #expect(lines[2].hasSuffix("^~"))
    // A short line is shown whole.
    #expect(render("a: *y", from: 4, to: 6).hasSuffix("  a: *y\n     ^~\n"))
  }

  @Test func tabsExpandTheSameWayInBothLines() {
    let output = render("a:\t[x, *y]", from: 8, to: 10)
    #expect(output.hasSuffix("  a:  [x, *y]\n          ^~\n"))
  }

  @Test func wideCharactersTakeTwoCells() {
    let output = render("名前: [日本, *x]", from: 10, to: 12)
    #expect(output.hasSuffix("  名前: [日本, *x]\n  \(String(repeating: " ", count: 13))^~\n"))
    // A range over wide characters underlines both cells of each.
    #expect(render("a: 日本", from: 4, to: 6).hasSuffix("  a: 日本\n     ^~~~\n"))
  }

  @Test func combiningMarksTakeNoCell() {
    let output = render("a: e\u{301}, *x", from: 7, to: 9)
    #expect(output.hasSuffix("  a: e\u{301}, *x\n       ^~\n"))
  }

  @Test func controlCharactersNeverReachTheTerminal() {
    let output = render("a: \u{1B}[31mred\u{9B}2J", from: 4, to: 5)
    #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
    #expect(output.hasSuffix("  a: \u{FFFD}[31mred\u{FFFD}2J\n     ^\n"))
  }

  @Test func tabIndentationErrorPointsAtTheTab() {
    let text = "a:\n\tb: 1\n"
    var diagnostics = Diagnostics()
    _ = SpecLoader.load(SourceFile(path: "t.yaml", text: text), diagnostics: &diagnostics)
    let output = renderer.render(diagnostics.all, in: SourceFile(path: "t.yaml", text: text))
    #expect(output.hasPrefix("t.yaml:2:1: error: a tab is used for indentation [yaml-tab]\n"))
    #expect(output.contains("      b: 1\n  ^\n  hint: YAML indents with spaces\n"))
  }

  @Test func crlfLinesShowWithoutTheirCarriageReturn() {
    let text = "nodespec: 1\r\nnme: x\r\n"
    var diagnostics = Diagnostics()
    _ = SpecLoader.load(SourceFile(path: "t.yaml", text: text), diagnostics: &diagnostics)
    let output = renderer.render(diagnostics.all, in: SourceFile(path: "t.yaml", text: text))
    #expect(
      output.contains("t.yaml:2:1: error: unknown key `nme` [unknown-key]\n  nme: x\n  ^~~\n"))
  }
}
