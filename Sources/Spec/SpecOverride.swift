/// One `--set PATH=VALUE` of the command line: a value laid over the spec after its bases, as
/// if the spec wrote it at PATH.
///
/// The override is a source file of its own, shown as `--set PATH` (so a diagnostic about the
/// value names the `--set` and its snippet points at the value; the value itself stays out of
/// the position prefix, where redaction of a credential could not reach it). VALUE is read by the same YAML
/// reader as a spec, with the same trust rules: a scalar (`2.1.1`, `"quoted: text"`), or a flow
/// sequence or mapping (`[bash, zsh]`, `{version: 2.1.1}`); an empty value or `null` removes
/// the key. PATH is keys separated by `.`; a key holding a dot is quoted,
/// `registries."docker.io".server`.
public struct SpecOverride: Sendable, Equatable {
  /// The argument as given, `PATH=VALUE`, as a source file named `--set PATH`, with its id.
  public var file: SourceFile

  /// `argument` is `PATH=VALUE`; `id` its `SourceFile.id` among the spec's files.
  public init(_ argument: String, id: Int) {
    let path = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
    // A path is shown as written, but never with a control character that could drive the
    // terminal (the path is refused for it anyway).
    let shown = String(
      String.UnicodeScalarView(
        path.unicodeScalars.map { $0.isForbiddenInSpecValue || $0.isHiddenInSource ? "?" : $0 }))
    file = SourceFile(path: "--set \(shown)", bytes: Array(argument.utf8), id: id)
  }

  /// The overlay document this override stands for (`{components: {containerd: 2.1.1}}`), every
  /// node located in the argument; nil, with a diagnostic, when the argument is not valid.
  public func overlay(limits: YAMLReader.Limits, diagnostics: inout Diagnostics) -> YAMLNode? {
    let bytes = file.bytes
    let whole = SourceRange(
      start: SourceLocation(line: 1, column: 1), end: file.location(ofByte: bytes.count),
      file: file.id)
    guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
      diagnostics.error(
        "invalid-set", "a `--set` is PATH=VALUE; this has no `=`", at: whole,
        hint: "e.g. --set components.containerd=2.1.1")
      return nil
    }
    if let bad = String(decoding: bytes[..<equals], as: UTF8.self).unicodeScalars.first(where: {
      $0.isForbiddenInSpecValue || $0.isHiddenInSource
    }) {
      diagnostics.error(
        "invalid-set", "the path of a `--set` holds \(bad.codePointAndName)", at: whole,
        hint: "a path is the spec's keys joined by `.`")
      return nil
    }
    guard let keys = self.keys(bytes[..<equals], diagnostics: &diagnostics) else { return nil }
    // The value is read where it stands in the argument, so that its columns are the
    // argument's: the path and `=` are blanked, one space for each scalar.
    let blank = String(decoding: bytes[...equals], as: UTF8.self).unicodeScalars.count
    var reading = file
    reading.bytes = Array(repeating: UInt8(ascii: " "), count: blank) + bytes[(equals + 1)...]
    var found = Diagnostics()
    let value = YAMLReader.read(reading, limits: limits, allowEmpty: true, diagnostics: &found)
    for diagnostic in found.all { diagnostics.append(diagnostic) }
    guard !found.hasErrors, var node = value else { return nil }
    // `name=a: b` reads as a mapping: surely a value that needed quotes, not a mapping.
    let isBlock: Bool =
      switch node.kind {
      case .scalar: false
      case .sequence, .mapping: !isFlow(reading, node)
      }
    if isBlock {
      diagnostics.error(
        "invalid-set", "the value of a `--set` is one scalar, or a flow `[...]` or `{...}`",
        at: node.range, hint: "quote a value that holds `: ` or starts with `- `")
      return nil
    }
    for key in keys.reversed() {
      node = YAMLNode(.mapping([.init(key: key, value: node)]), at: whole)
    }
    return node
  }

  /// Whether a collection was written in flow style (`[`/`{` where it starts).
  private func isFlow(_ file: SourceFile, _ node: YAMLNode) -> Bool {
    let line = file.line(node.range.start.line) ?? ""
    let scalars = Array(line.unicodeScalars)
    let index = node.range.start.column - 1
    return scalars.indices.contains(index) && (scalars[index] == "[" || scalars[index] == "{")
  }

  /// The keys of PATH as scalar nodes located in the argument; `"…"` quotes a key holding `.`.
  private func keys(_ path: ArraySlice<UInt8>, diagnostics: inout Diagnostics) -> [YAMLNode]? {
    var keys: [YAMLNode] = []
    var index = path.startIndex
    func location(_ offset: Int) -> SourceLocation { file.location(ofByte: offset) }
    while true {
      let start = index
      var text: [UInt8] = []
      if index < path.endIndex, path[index] == UInt8(ascii: "\"") {
        guard let close = path[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
          diagnostics.error(
            "invalid-set", "a quoted key of a `--set` path is not closed",
            at: SourceRange(at: location(index), file: file.id),
            hint: "e.g. --set registries.\"docker.io\".server=https://mirror.example")
          return nil
        }
        text = Array(path[(index + 1)..<close])
        index = close + 1
      } else {
        while index < path.endIndex, path[index] != UInt8(ascii: ".") {
          text.append(path[index])
          index += 1
        }
      }
      let range = SourceRange(start: location(start), end: location(index), file: file.id)
      guard !text.isEmpty else {
        diagnostics.error(
          "invalid-set", "a `--set` path has an empty key", at: range,
          hint: "keys are joined by one `.`, e.g. components.containerd")
        return nil
      }
      keys.append(YAMLNode(.scalar(.init(String(decoding: text, as: UTF8.self))), at: range))
      guard index < path.endIndex else { return keys }
      guard path[index] == UInt8(ascii: ".") else {
        diagnostics.error(
          "invalid-set", "a quoted key of a `--set` path is followed by `.` or `=`",
          at: SourceRange(at: location(index), file: file.id))
        return nil
      }
      index += 1
      if index == path.endIndex {
        diagnostics.error(
          "invalid-set", "a `--set` path ends with `.`",
          at: SourceRange(at: location(index - 1), file: file.id))
        return nil
      }
    }
  }
}
