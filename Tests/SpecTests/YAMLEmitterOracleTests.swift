import Foundation
import Testing

@testable import Spec

/// `YAMLEmitter` against two oracles: libyaml's own emitter (the same bytes wherever the two
/// agree on the rules; where they differ on purpose, `YAMLEmitter`'s text still reads back as
/// the value) and PyYAML, the YAML 1.1 reader of cloud-init and Ansible.
@Suite struct YAMLEmitterOracleTests {
  /// Fuzz-like strings: every ASCII byte alone, leading, inside and trailing, next to a space;
  /// the words and shapes YAML 1.1 or 1.2 would retype; Jinja; Unicode line separators.
  static let adversarial: [String] = {
    var strings = YAMLEmitterRoundTripTests.hostile
    for byte in UInt8(0)...0x7F {
      let c = String(UnicodeScalar(byte))
      strings += [c, c + "x", "x" + c, "a" + c + "b", "a " + c + " b", c + " x", "x " + c]
    }
    strings += [
      "{{ x }}", "{% raw %}", "{# c #}", "a{{b", "<<", "=", "0x1", "0o17", "1e3", "1_000", "+.5",
      "-.inf", ".NaN", "2001-12-14t21:59:43.10-05:00", "1:20", "TRUE", "Off", "NULL", "~",
      "null ", " yes", "a: b", "a :b", "a:b", "a #b", "a# b", "- x", "-x", "--- x", "---",
      "...", ". . .", "? x", "?x", ": x", ":x", "@x", "`x`", "%TAG", "!unsafe", "x\u{85}y",
      "x\u{2028}y", "x\u{2029}", "\u{FEFF}x", "x\u{FEFF}", "\u{A0}", "x\u{A0}", "\u{FFFE}",
      "\u{1F600}", "tab\tinside", "\tlead", "trail\t", "cr\rinside", "crlf\r\n", "a\n\nb",
      "a\n\n", "\n\n", "\na", "  indented\nfirst", "a\n  b\n", "a \nb", "a\n b", "line\n",
      "é", "日本語: x", "#", "# x", "x #", "'", "''", "\"", "\\", "\\\"", "a'b\"c",
      String(repeating: "k", count: 130),
      // The analysis's fast loop: runs of spaces, line breaks and indentation between bytes
      // that change nothing, and what must still leave it.
      "a  b", "a   #b", "a\n  b", "a\n  #b", "a\n  - b", "a\n  :b", "x{y} [z], w", "a b\n c\n",
      "k: {{ v }}\n  w", "a\n\n  b", "a \n b", "a\n  ", "a  ", "name\n", "/usr/local/bin",
    ]
    return strings
  }()

  static let styles: [YAMLValue.Style] = [.any, .plain, .singleQuoted, .doubleQuoted, .literal]

  /// A document that puts each string in every place the backends put strings.
  static func document(_ strings: [String], style: YAMLValue.Style) -> YAMLValue {
    .mapping(
      strings.enumerated().map { index, text in
        (
          "k\(index)",
          .mapping([
            ("value", .scalar(text, style: style)),
            ("list", .sequence([.scalar(text, style: style), .mapping([(text, .scalar("v"))])])),
            ("flow", .sequence([.scalar(text, style: style), .scalar("x")], flow: true)),
          ])
        )
      })
  }

  /// Strings the project's reader accepts in a file (it refuses NEL, LS, PS and a BOM).
  static let readable = adversarial.filter {
    !$0.unicodeScalars.contains(where: \.isHiddenInSource)
  }

  @Test(arguments: styles, [false, true])
  func readsBackWithLibYAML(_ style: YAMLValue.Style, _ indentSequences: Bool) throws {
    let value = Self.document(Self.readable, style: style)
    let text = YAMLEmitter.emit(value, indentSequences: indentSequences)
    let (node, diagnostics) = read(text)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all.map(\.message))")
    #expect(node?.plain == value.plain)
  }

  /// Byte for byte what libyaml writes, except where `YAMLEmitter` is stricter on purpose:
  /// text with a line break that libyaml would write as a multi-line quoted scalar or carry
  /// in a block when it holds `\r`, NEL, LS or PS; the empty string asked for plain (libyaml
  /// writes nothing: a null).
  @Test(arguments: styles)
  func matchesLibYAMLWhereTheRulesAgree(_ style: YAMLValue.Style) throws {
    var differing: [String] = []
    for text in Self.adversarial {
      let value = Self.document([text], style: style)
      let ours = YAMLEmitter.emit(value)
      let theirs = try LibYAMLEmitter.emit(value)
      if ours != theirs { differing.append(text) }
    }
    let breaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]
    for text in differing {
      let purposeful =
        text.unicodeScalars.contains(where: breaks.contains) || (text.isEmpty && style == .plain)
      #expect(purposeful, "differs from libyaml: \(text.debugDescription)")
    }
  }

  @Test func literalBlocksCarryIndicatorsAndIndentation() {
    let value = YAMLValue.mapping([
      ("a", .sequence([.scalar(" x\ny\n", style: .literal)])),
      ("b", .scalar("x\n\n", style: .literal, tag: "!unsafe")),
      ("c", .scalar("x", style: .literal)),
      ("d", .scalar("x\r\ny", style: .literal)),
      ("e", .scalar("x \ny", style: .literal)),
    ])
    #expect(
      YAMLEmitter.emit(value, indentSequences: true) == """
        a:
          - |2
             x
            y
        b: !unsafe |+
          x

        c: |-
          x
        d: "x\\r\\ny"
        e: "x \\ny"

        """)
  }

  @Test func sequencesIndentUnderTheirKeysWhenAsked() throws {
    let value = YAMLValue.sequence([
      .mapping([
        ("tasks", .sequence([.mapping([("name", .scalar("a")), ("args", .mapping([]))])])),
        ("nested", .sequence([.sequence([.scalar("x"), .scalar("y")])])),
        ("empty", .sequence([])),
      ])
    ])
    #expect(
      YAMLEmitter.emit(value, explicitStart: true, indentSequences: true) == """
        ---
        - tasks:
            - name: a
              args: {}
          nested:
            - - x
              - 'y'
          empty: []

        """)
    let libyaml = try LibYAMLEmitter.emit(value, explicitStart: true)
    #expect(YAMLEmitter.emit(value, explicitStart: true) == libyaml)
  }

  /// PyYAML reads every string back as the same string, in every style, layout and place,
  /// tagged `!unsafe` or not (Ansible's tag, read here as a plain string). `.plain` asks for a
  /// typed scalar (`true`, `3`), so the strings YAML would retype are left out of that style.
  @Test(arguments: [false, true])
  func pyYAMLReadsTheSameStrings(_ tagged: Bool) throws {
    var documents: [String] = []
    var expected: [[String]] = []
    for style in Self.styles {
      let strings =
        style == .plain && !tagged
        ? Self.adversarial.filter { !YAMLEmitter.wouldRetype($0) } : Self.adversarial
      for indent in [false, true] {
        expected.append(strings)
        let value = YAMLValue.mapping(
          strings.enumerated().map { index, text in
            (
              "k\(index)",
              .sequence([
                .scalar(text, style: style, tag: tagged ? "!unsafe" : nil),
                .mapping([(text, .scalar("v"))]),
              ])
            )
          })
        documents.append(YAMLEmitter.emit(value, explicitStart: true, indentSequences: indent))
      }
    }
    let check = """
      import sys, yaml, json
      class Loader(yaml.SafeLoader):
          pass
      Loader.add_constructor("!unsafe", lambda l, n: l.construct_scalar(n))
      out = []
      for data in yaml.load_all(sys.stdin.buffer.read(), Loader=Loader):
          out.append([[v[0], list(v[1].keys())[0]] for v in data.values()])
      print(json.dumps(out))
      """
    let output = try runPython(check, input: documents.joined())
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[[String]]])
    #expect(parsed.count == documents.count)
    for (document, strings) in zip(parsed, expected) {
      #expect(document.count == strings.count)
      for (pair, string) in zip(document, strings) {
        #expect(pair == [string, string], "\(string.debugDescription)")
      }
    }
  }

  private func runPython(_ script: String, input: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdout = Pipe()
    let scratch = FileManager.default.temporaryDirectory
      .appendingPathComponent("yaml-oracle-\(UUID().uuidString)")
    try Data(input.utf8).write(to: scratch)
    defer { try? FileManager.default.removeItem(at: scratch) }
    process.standardInput = try FileHandle(forReadingFrom: scratch)
    process.standardOutput = stdout
    try process.run()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
  }
}
