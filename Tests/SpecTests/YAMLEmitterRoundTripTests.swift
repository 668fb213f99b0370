import Foundation
import Testing

@testable import Spec

/// What the backends write through `YAMLEmitter` must read back as the same strings: quoting
/// is libyaml's job, and this is the check that it does it.
@Suite struct YAMLEmitterRoundTripTests {
  static let hostile: [String] = [
    "plain", "", " ", "  leading and trailing  ", "it's", "say \"hi\"", "key: value", "a #comment",
    "#start", "line\nbreak", "trailing newline\n", "\n", "tab\there", "cr\r\nlf",
    "{{ lookup('env', 'X') }}",
    "{% if x %}", "*alias", "&anchor", "!tag", "!!str", "%directive", "@at", "`tick`", "|", ">",
    "- dash", "-", "?", "? key", ":", "---", "...", "[flow]", "{flow: map}", "a, b", "yes", "no",
    "on", "off", "y", "n", "true", "False", "null", "Null", "~", "1.10", "0644", "0x1F", "1e3",
    ".inf", "-.Inf", ".nan", "12:30:00", "2001-12-14", "$(reboot)", "; rm -rf /", "\\", "\\n",
    "é日本😀", "\u{85}nel", "\u{2028}ls", "\u{FEFF}bom", "a\u{0}nul", "\u{1B}[31m",
    String(repeating: "long ", count: 60),
  ]

  /// The hostile strings the reader can read back: a file holding NEL, LS, PS or a byte order
  /// mark past its start is refused (`invisible-character`), and validation keeps them out of
  /// every value, so they never reach a backend.
  static let readable = hostile.filter { !$0.unicodeScalars.contains(where: \.isHiddenInSource) }

  func roundTrip(_ value: YAMLValue) throws -> YAMLNode? {
    let text = try YAMLEmitter.emit(value)
    let (node, diagnostics) = read(text)
    #expect(diagnostics.all.isEmpty, "\(text)")
    return node
  }

  @Test(arguments: readable)
  func scalarValuesAndKeysComeBackTheSame(_ string: String) throws {
    let node = try #require(
      try roundTrip(.mapping([("k", .scalar(string)), (string, .scalar("v"))])))
    guard case .mapping(let pairs) = node.kind, pairs.count == 2 else {
      Issue.record("expected two pairs")
      return
    }
    #expect(pairs[0].value.scalar?.text == string)
    #expect(pairs[1].key.scalar?.text == string)
  }

  @Test(arguments: [YAMLValue.Style.singleQuoted, .doubleQuoted, .literal, .plain])
  func everyStyleKeepsTheString(_ style: YAMLValue.Style) throws {
    // libyaml falls back to a safe style when the requested one cannot hold the string.
    let values = Self.readable.map { YAMLValue.scalar($0, style: style) }
    let node = try #require(try roundTrip(.sequence(values)))
    guard case .sequence(let items) = node.kind else {
      Issue.record("expected a sequence")
      return
    }
    #expect(items.map { $0.scalar?.text } == Self.readable)
  }

  @Test func flowSequencesAndNestedMappings() throws {
    let value = YAMLValue.mapping([
      ("list", .sequence(Self.readable.map { .scalar($0) }, flow: true)),
      (
        "nested",
        .mapping([("inner", .sequence([.scalar("{{ x }}"), .mapping([("a", .scalar("b"))])]))])
      ),
    ])
    let node = try #require(try roundTrip(value))
    #expect(node.plain == value.plain)
  }
}

extension YAMLNode {
  /// The tree without positions or styles, for comparing with what was emitted.
  var plain: String {
    switch kind {
    case .scalar(let scalar): scalar.text.debugDescription
    case .sequence(let items): "[" + items.map(\.plain).joined(separator: ",") + "]"
    case .mapping(let pairs):
      "{" + pairs.map { "\($0.key.plain):\($0.value.plain)" }.joined(separator: ",") + "}"
    }
  }
}

extension YAMLValue {
  var plain: String {
    switch self {
    case .scalar(let text, _, _): text.debugDescription
    case .sequence(let items, _): "[" + items.map(\.plain).joined(separator: ",") + "]"
    case .mapping(let pairs):
      "{" + pairs.map { "\($0.0.debugDescription):\($0.1.plain)" }.joined(separator: ",") + "}"
    }
  }
}

/// cloud-init and Ansible read YAML with PyYAML, a YAML 1.1 reader that retypes plain `yes`,
/// `0644` or `~`: every string must come back from it as the same string, keys included.
@Suite struct YAMLEmitterPyYAMLTests {
  @Test func stringsStayStringsForAYAML11Reader() throws {
    let strings = YAMLEmitterRoundTripTests.hostile.filter {
      // PyYAML refuses these characters outright; they never reach a backend (validation).
      !$0.unicodeScalars.contains { [0, 0x1B, 0x85, 0x2028, 0xFEFF].contains($0.value) }
    }
    let document = YAMLValue.mapping(strings.enumerated().map { ("k\($0.offset)", .scalar($0.element)) }
      + strings.map { ($0, .scalar("v")) })
    let text = try YAMLEmitter.emit(document)
    let check = """
      import sys, yaml, json
      data = yaml.safe_load(sys.stdin)
      print(json.dumps([[k, v] for k, v in data.items()]))
      """
    let output = try runPython(check, input: text)
    let pairs = try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Any]])
    for (index, string) in strings.enumerated() {
      #expect(pairs[index][1] as? String == string, "value \(string.debugDescription)")
      #expect(pairs[strings.count + index][0] as? String == string, "key \(string.debugDescription)")
    }
  }

  private func runPython(_ script: String, input: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
  }
}

/// `wouldRetype` decides which strings the backends quote: YAML 1.1's booleans and nulls in any
/// case, and anything that starts like a number, a merge key or `=`.
@Suite struct YAMLEmitterRetypeTests {
  @Test(arguments: [
    "", "y", "Y", "n", "N", "yes", "YES", "Yes", "yEs", "no", "NO", "true", "TRUE", "False",
    "on", "ON", "off", "Off", "null", "NULL", "Null", "0644", "1.5", "+1", "-x", ".inf", "~",
    "<<", "=",
  ])
  func retypes(_ text: String) { #expect(YAMLEmitter.wouldRetype(text)) }

  @Test(arguments: [
    "yess", "nope", "ya", "onn", "offf", "nulls", "true1", "TRUE ", " yes", "öff", "ｙes", "x0",
    "a=b", "ON1", "containerd", "yes\u{301}",
  ])
  func staysAString(_ text: String) { #expect(!YAMLEmitter.wouldRetype(text)) }
}
