import Testing

@testable import Spec

@Suite struct YAMLReaderTests {
  /// Each case marks where its diagnostics must point; see `Marked`.
  @Test(arguments: [
    // libyaml's own errors, at the problem mark.
    "a: 1\nb: [1, 2\n⟪yaml-syntax⟫",
    "key: \"unterminated\n⟪yaml-syntax⟫",
    "a:\n  b: 1\n ⟪yaml-syntax⟫c: 2\n",
    // Tabs in indentation, explained.
    "a:\n⟪yaml-tab⟫\tb: 1\n",
    "a:\n  b: 1\n⟪yaml-tab⟫\tc: 2\n",
    "a:\n  - x\n⟪yaml-tab⟫\t- y\n",
    "- a\n-⟪yaml-tab⟫\tb\n",
    // A tab after the indentation is fine.
    "a:\tb\nc: [1,\t2]\n",
    // Keys libyaml accepts and the schema cannot use.
    "a: 1\n⟪duplicate-key⟫a: 2\n",
    "a:\n  x: 1\n  ⟪duplicate-key⟫x: 2\nb: {y: 1, ⟪duplicate-key⟫y: 2}\n",
    "base: &b {x: 1}\nother:\n  ⟪merge-key-unsupported⟫<<: *b\n",
    "\"<<\": 1\n",
    "⟪non-scalar-key⟫[a]: 1\n",
    "? ⟪non-scalar-key⟫{a: 1}\n: 2\n",
    // Documents.
    "a: 1\n⟪multiple-documents⟫---\nb: 2\n",
    "---\na: 1\n...\n",
    // Anchors and aliases.
    "a: &x [1, 2]\nb: *x\nc: ⟪undefined-alias⟫*y\n",
    "a: &x [1, ⟪undefined-alias⟫*x]\n",
    // Tags are kept, not judged: that is the schema's business.
    "a: !vault secret\nb: !!str 1\nc: ! x\nd: !unsafe '{{ x }}'\n",
    // Raw control characters, found by libyaml's reader.
    "a: ⟪control-character⟫\u{1B}[31mred\n",
    // Characters people and tools see differently, anywhere, comments included: a line
    // break only libyaml sees (NEL, LS, PS), bidirectional controls, zero-width characters,
    // a byte order mark after the start. Each is reported where it is, counted on the
    // bytes: one line, for an editor.
    "# mirror: none⟪invisible-character⟫\u{85}downloads: {mirror: https://evil.example}\na: 1\n",
    "a: 1 # x⟪invisible-character⟫\u{2028}b: 2\nc: 3\n",
    "a: 1 # x⟪invisible-character⟫\u{2029}b: 2\n",
    "a: é ⟪invisible-character⟫\u{202E}1 # ⟪invisible-character⟫\u{2066}x⟪invisible-character⟫\u{2069}\n",
    "a⟪invisible-character⟫\u{200B}: 1\n",
    "a: x⟪invisible-character⟫\u{FEFF}y\n",
    "a: x⟪invisible-character⟫\u{AD}y\n",
    "a: 日本⟪invisible-character⟫\u{3164}\n",
    "a: 1\r\nb: ⟪invisible-character⟫\u{200F}2\r\n",
    // Visible text stays allowed, emoji sequences aside (their joiner is a format character).
    "a: é日本😀 # ½ ‐ — “quotes” ok\n",
    // Positions: CRLF, multibyte characters.
    "a: 1\r\nb: [\r\n⟪yaml-syntax⟫",
    "a: 1\r\n⟪duplicate-key⟫a: 2\r\n",
    "ключ: значение\nдругой: [日本, ⟪undefined-alias⟫*x]\n",
    "emoji: [😀, 👍🏽, ⟪undefined-alias⟫*x]\n",
    "é: 1\n⟪duplicate-key⟫é: 2\n",
  ])
  func diagnosticsPointAtTheMark(_ source: String) {
    let marked = Marked(source)
    #expect(found(read(marked.text).diagnostics) == marked.expected, "\(source.debugDescription)")
  }

  @Test func errorsAtTheEndOfAFileWithoutFinalLineBreakStayInTheFile() {
    // libyaml puts them on the line after the last, which a snippet cannot show.
    #expect(found(read("a: [1, 2").diagnostics) == ["yaml-syntax@1:9"])
    #expect(found(read("a: [1, 2\n").diagnostics) == ["yaml-syntax@2:1"])
  }

  @Test(arguments: [
    "a: b: c\n", "a:\n  b: 1\n c: 2\n", "a: `x`\n", "a: \"x\n", "a: [1 2\n", "a: [1, 2\n",
  ])
  func commonSyntaxErrorsComeWithAHint(_ text: String) throws {
    let error = try #require(read(text).diagnostics.all.first)
    #expect(error.id == "yaml-syntax")
    #expect(error.hint != nil, "\(error.message)")
  }

  @Test func syntaxErrorKeepsTheContextMarkAsANote() throws {
    let diagnostics = read("a: 1\nb: [1, 2\n").diagnostics
    let error = try #require(diagnostics.all.first)
    #expect(error.id == "yaml-syntax")
    #expect(error.notes.map { $0.range?.start.description } == ["2:4"])
  }

  @Test func duplicateKeyNotesTheFirst() throws {
    let error = try #require(read("a: 1\nb: 2\na: 3\n").diagnostics.all.first)
    #expect(error.notes.map { $0.range?.start.description } == ["1:1"])
  }

  @Test func duplicateKeyKeepsTheFirstValue() throws {
    let node = try #require(read("a: 1\na: 2\nb: 3\n").node)
    guard case .mapping(let pairs) = node.kind else {
      Issue.record("not a mapping")
      return
    }
    #expect(pairs.map { $0.key.scalar?.text } == ["a", "b"])
    #expect(pairs.map { $0.value.scalar?.text } == ["1", "3"])
  }

  @Test(arguments: ["", "\n\n", "# only a comment\n", "  \n# c\n\n", "---\n", "--- ~\n"])
  func emptyInputIsAnEmptySpec(_ text: String) {
    #expect(read(text).diagnostics.all.map(\.id) == ["empty-spec"])
  }

  /// Bytes that are not UTF-8 text, and where the reader must say so.
  static let badBytes: [(bytes: [UInt8], expected: String)] = [
    (utf8("a: é\nb: ", then: [0xFF, 0x0A]), "invalid-utf8@2:4"),
    (utf8("a: ", then: [0xC0, 0xAF]), "invalid-utf8@1:4"),  // overlong "/"
    (utf8("a: ", then: [0xED, 0xA0, 0x80]), "invalid-utf8@1:4"),  // a surrogate
    (utf8("a: ", then: [0xF4, 0x90, 0x80, 0x80]), "invalid-utf8@1:4"),  // above U+10FFFF
    (utf8("a: x", then: [0xE2, 0x82]), "invalid-utf8@1:5"),  // cut short at the end
    (utf8("a: x\r\nb: ", then: [0x80]), "invalid-utf8@2:4"),
    (utf8("a: 1\n", then: [0, 0, 1]), "binary-input@2:1"),
    (utf8("", then: [0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00]), "binary-input@1:4"),  // UTF-16
  ]

  static func utf8(_ text: String, then tail: [UInt8]) -> [UInt8] { Array(text.utf8) + tail }

  @Test(arguments: badBytes)
  func badBytesAreReportedWhereTheyAre(_ bytes: [UInt8], _ expected: String) {
    #expect(found(read(bytes).diagnostics) == [expected])
  }

  @Test func sizeIsLimited() {
    let limits = YAMLReader.Limits(maxBytes: 16)
    #expect(
      found(read(Array("a: 12345678901234".utf8), limits: limits).diagnostics) == [
        "too-large@-"
      ])
    #expect(read(Array("a: 123456789012".utf8), limits: limits).diagnostics.all.isEmpty)
  }

  @Test func byteOrderMarkIsAcceptedAndColumnsIgnoreIt() {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: *x\n".utf8)
    #expect(found(read(bytes).diagnostics) == ["undefined-alias@1:4"])
    #expect(SourceFile(path: "t", bytes: bytes).line(1) == "a: *x")
  }

  @Test func lineBreaksAreCountedAsLibYAMLCountsThem() {
    // A lone CR ends a line for libyaml and for editors; snippets must agree.
    for text in ["a: 1\rb: *x\n", "a: 1\r\nb: *x\r\n"] {
      #expect(found(read(text).diagnostics) == ["undefined-alias@2:4"], "\(text.debugDescription)")
      #expect(SourceFile(path: "t", text: text).line(2) == "b: *x")
    }
    // NEL, LS and PS end a line only for libyaml: they are refused, and lines do not end there.
    for text in ["a: 1\u{85}b: *x\n", "a: 1\u{2028}b: *x\n", "a: 1\u{2029}b: *x\n"] {
      #expect(found(read(text).diagnostics) == ["invisible-character@1:5"])
      #expect(SourceFile(path: "t", text: text).line(2) == "")
    }
  }

  @Test func aKeyPastLibYAMLsLimitSaysSo() {
    // Not "could not find expected ':'": the key is too long, and that is where it starts.
    let long = String(repeating: "k", count: 1_100)
    #expect(found(read("a: 1\n\(long): x\n").diagnostics) == ["key-too-long@2:1"])
    // A key within the limit is read; a multi-line key stays a syntax error.
    #expect(read(String(repeating: "k", count: 1_000) + ": x\n").diagnostics.all.isEmpty)
    #expect(found(read("a: 1\nb\nc: 2\n").diagnostics).first?.hasPrefix("yaml-syntax") == true)
  }

  @Test func hiddenCharactersAreNamed() throws {
    let cases: [(String, String)] = [
      ("# x\u{85}y: 1\n", "U+0085 NEXT LINE"), ("a: \u{2028}\n", "U+2028 LINE SEPARATOR"),
      ("a: \u{202E}\n", "U+202E RIGHT-TO-LEFT OVERRIDE"),
      ("a: x\u{FEFF}\n", "U+FEFF BYTE ORDER MARK"),
    ]
    for (text, name) in cases {
      let error = try #require(read(text).diagnostics.all.first)
      #expect(error.message.contains(name), "\(error.message)")
    }
    // Characters that extend the one before them (so a marker cannot precede them): a tag
    // character, and the joiner of an emoji sequence, refused with the other format characters.
    #expect(found(read("a: x \u{E0041}\n").diagnostics) == ["invisible-character@1:6"])
    #expect(found(read("e: [👩\u{200D}👧]\n").diagnostics) == ["invisible-character@1:6"])
    // A file of nothing but hidden characters stops at a bounded number of diagnostics.
    let flood = String(repeating: "\u{200B}", count: 100_000)
    #expect(read("a: " + flood + "\n").diagnostics.all.count == Diagnostics.displayLimit + 1)
  }

  @Test func nodesKeepStyleTagAndRange() throws {
    let node = try #require(read("a: 'x'\nb: [1, \"2\"]\nc:\n  d: !!str 1.10\n").node)
    guard case .mapping(let pairs) = node.kind, pairs.count == 3 else {
      Issue.record("expected three pairs")
      return
    }
    #expect(pairs[0].value.scalar == .init("x", style: .singleQuoted))
    #expect(pairs[0].value.range.description == "1:4-1:7")
    #expect(pairs[1].value.range.description == "2:4-2:12")
    // A block mapping ends with its last value, not at the next token.
    #expect(pairs[2].value.range.description == "4:3-4:16")
    guard case .mapping(let inner) = pairs[2].value.kind else {
      Issue.record("c is not a mapping")
      return
    }
    #expect(inner[0].value.scalar == .init("1.10"))
    #expect(inner[0].value.tag == "tag:yaml.org,2002:str")
    #expect(node.range.description == "1:1-4:16")
  }

  @Test func aliasesAreExpandedAtTheAlias() throws {
    let node = try #require(read("a: &v [1, 2]\nb: *v\n").node)
    guard case .mapping(let pairs) = node.kind else {
      Issue.record("not a mapping")
      return
    }
    #expect(pairs[1].value.kind == pairs[0].value.kind)
    #expect(pairs[1].value.range.description == "2:4-2:6")
  }
}
