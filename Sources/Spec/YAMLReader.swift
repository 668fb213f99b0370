import CLibYAML

/// Reads the bytes of a spec into a `YAMLNode` tree through libyaml's parser events.
///
/// The reader is the only place that trusts nothing about its input: it checks size, encoding
/// and binary content before libyaml sees a byte, bounds nesting and alias expansion while the
/// events arrive, and converts libyaml's 0-based marks into 1-based `SourceLocation`s once.
public struct YAMLReader {
  /// Bounds that keep hostile input cheap: each is checked as the input is read, so a
  /// "billion laughs" file or 100k nested `[` fails after a few hundred events.
  public struct Limits: Sendable, Equatable {
    /// Largest accepted file, in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of sequences and mappings (the root collection is depth 1).
    public var maxDepth: Int
    /// Most nodes that aliases may add to the tree, summed over every alias use.
    public var maxAliasExpansion: Int

    /// The defaults fit any real spec with room to spare: 1 MiB, 64 levels, 10,000 nodes.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxAliasExpansion: Int = 10_000) {
      self.maxBytes = maxBytes
      self.maxDepth = maxDepth
      self.maxAliasExpansion = maxAliasExpansion
    }
  }

  /// Parses the single document of `file`.
  ///
  /// - Returns: the document's root, or nil when the file cannot be read as one YAML
  ///   document. Problems that leave a usable tree (a duplicate key, a second document) are
  ///   reported and the tree is still returned, so that decoding can report more.
  ///
  ///   With `allowEmpty` (a `--set` value), an empty document is a null scalar, not an error.
  public static func read(
    _ file: SourceFile, limits: Limits = Limits(), allowEmpty: Bool = false,
    diagnostics: inout Diagnostics
  ) -> YAMLNode? {
    guard let end = checkBytes(file, limits: limits, diagnostics: &diagnostics) else {
      return nil
    }
    var reader = YAMLReader(file: file, end: end, limits: limits)
    reader.allowEmpty = allowEmpty
    let root = reader.parse()
    for diagnostic in reader.diagnostics.all { diagnostics.append(diagnostic) }
    return root
  }

  private let file: SourceFile
  /// Just past the last character: libyaml puts errors at the end of a file without a final
  /// line break on the line after it, which does not exist.
  private let end: SourceLocation
  private let limits: Limits
  private var diagnostics = Diagnostics()
  /// Open collections, innermost last.
  private var frames: [Frame] = []
  private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
  /// Nodes added by aliases so far.
  private var expanded = 0
  private var documents = 0
  private var root: YAMLNode?
  private var allowEmpty = false

  /// `end` is `file.location(ofByte: file.bytes.count)`, which `checkBytes` found on its way.
  private init(file: SourceFile, end: SourceLocation, limits: Limits) {
    self.file = file
    self.end = end
    self.limits = limits
  }

  /// A sequence or mapping whose end event has not arrived yet.
  private struct Frame {
    var isMapping: Bool
    /// `[...]`/`{...}`: the end event's mark is the closing bracket. A block collection's end
    /// event sits at the next token instead, possibly lines later, so its range ends with its
    /// last child.
    var isFlow: Bool
    var start: SourceLocation
    var anchor: String?
    var tag: String?
    /// Nodes in this subtree so far, itself included: what an alias to it would add.
    var size = 1
    var items: [YAMLNode] = []
    var pairs: [YAMLNode.Pair] = []
    /// The key waiting for its value.
    var pendingKey: YAMLNode?
    /// The pending key was refused (duplicate, merge, non-scalar): drop its value too.
    var dropsValue = false
    var firstKeys = KeyIndex()
  }

  /// The keys of one mapping so far, each with where it was first written: what the
  /// duplicate-key check asks. A list while the mapping is small (nearly all are: hashing
  /// each key into a new dictionary per mapping cost more than comparing a few strings), a
  /// dictionary once it holds `listLimit` keys, so that a mapping of 1,000 registries stays
  /// linear.
  struct KeyIndex {
    static let listLimit = 16
    private var list: [(key: String, range: SourceRange)] = []
    /// Room for a typical mapping's keys at the first insert: growing the list from one slot
    /// reallocated it at 1, 2, 4 and 8 keys.
    static let firstCapacity = 8
    private var table: [String: SourceRange]?

    /// Where `key` was first written, if it was.
    func first(_ key: String) -> SourceRange? {
      if let table { return table[key] }
      for index in list.indices where list[index].key == key { return list[index].range }
      return nil
    }

    /// Records `key`, which `first` did not know, written at `range`.
    mutating func insert(_ key: String, at range: SourceRange) {
      if table != nil {
        table?[key] = range
      } else if list.count < Self.listLimit {
        if list.isEmpty { list.reserveCapacity(Self.firstCapacity) }
        list.append((key: key, range: range))
      } else {
        var table = [String: SourceRange](minimumCapacity: 2 * Self.listLimit)
        for (known, at) in list { table[known] = at }
        table[key] = range
        self.table = table
        list = []
      }
    }
  }

  /// What the event loop does next.
  private enum Step { case next, finish, fail }

  // MARK: - Before libyaml

  /// Size, NUL bytes and UTF-8 validity, checked on the raw bytes because libyaml reports
  /// them late, without a position, or (UTF-16 without a byte order mark) not at all.
  /// Returns where the file ends (line and column) when it passes, nil when it does not.
  private static func checkBytes(
    _ file: SourceFile, limits: Limits, diagnostics: inout Diagnostics
  ) -> SourceLocation? {
    let bytes = file.bytes
    if bytes.count > limits.maxBytes {
      diagnostics.error(
        "too-large", "the spec is \(bytes.count) bytes; the limit is \(limits.maxBytes)",
        at: nil, hint: "a node spec is a few kilobytes; is this the right file?")
      return nil
    }
    if let nul = bytes.firstIndex(of: 0) {
      diagnostics.error(
        "binary-input", "the spec contains a NUL byte; it looks like binary data, not YAML",
        at: SourceRange(at: file.location(ofByte: nul), file: file.id))
      return nil
    }
    if let bad = firstInvalidUTF8(bytes) {
      diagnostics.error(
        "invalid-utf8", "the spec is not valid UTF-8 (byte 0x\(hex(bytes[bad])))",
        at: SourceRange(at: file.location(ofByte: bad), file: file.id),
        hint: "save the file as UTF-8")
      return nil
    }
    let (hidden, end) = hiddenCharactersAndEnd(file, limit: Diagnostics.displayLimit + 1)
    for (location, scalar) in hidden {
      diagnostics.error(
        "invisible-character",
        "the spec contains \(scalar.codePointAndName), which editors and reviews do not show "
          + "as what YAML reads",
        at: SourceRange(at: location, file: file.id),
        hint: scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029
          ? "YAML ends a line here, so text after it is not part of this line; remove it"
          : "remove it; comments included, a spec is plain visible text")
    }
    return hidden.isEmpty ? end : nil
  }

  /// Where the characters are that a reviewer cannot see (`isHiddenInSource`), at most
  /// `limit` of them; a byte order mark at the very start is YAML's and allowed. Positions
  /// are counted here, on the bytes: libyaml would count NEL, LS and PS as line breaks.
  static func hiddenCharacters(
    _ file: SourceFile, limit: Int
  ) -> [(SourceLocation, Unicode.Scalar)] {
    hiddenCharactersAndEnd(file, limit: limit).found
  }

  /// `hiddenCharacters`, and where the file ends when the scan got there (fewer than `limit`
  /// found): the reader needs that location, and counting the lines again cost a second pass.
  static func hiddenCharactersAndEnd(
    _ file: SourceFile, limit: Int
  ) -> (found: [(SourceLocation, Unicode.Scalar)], end: SourceLocation) {
    let bytes = file.bytes
    var found: [(SourceLocation, Unicode.Scalar)] = []
    var line = 1
    var column = 1
    var i = file.bomLength
    while i < bytes.count, found.count < limit {
      let lead = bytes[i]
      if lead < 0x80 {
        let width = file.lineBreakWidth(at: i)
        if width > 0 {
          line += 1
          column = 1
          i += width
        } else {
          column += 1
          i += 1
        }
        continue
      }
      // The bytes are valid UTF-8 (checked before): decode one scalar.
      let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
      var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
      for k in 1..<length where i + k < bytes.count {
        value = value << 6 | UInt32(bytes[i + k] & 0x3F)
      }
      if let scalar = Unicode.Scalar(value), scalar.isHiddenInSource {
        found.append((SourceLocation(line: line, column: column), scalar))
      }
      column += 1
      i += length
    }
    return (found, SourceLocation(line: line, column: column))
  }

  /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
  /// (no overlong forms, no surrogates, nothing above U+10FFFF).
  static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
      let lead = bytes[i]
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0x00...0x7F:
        i += 1
        continue
      case 0xC2...0xDF: length = 2
      case 0xE0: (length, low) = (3, 0xA0)
      case 0xED: (length, high) = (3, 0x9F)
      case 0xE1...0xEF: length = 3
      case 0xF0: (length, low) = (4, 0x90)
      case 0xF4: (length, high) = (4, 0x8F)
      case 0xF1...0xF3: length = 4
      default: return i
      }
      for k in 1..<length {
        guard i + k < bytes.count else { return i }
        let byte = bytes[i + k]
        // Only the second byte has a narrowed range.
        let (lo, hi) = k == 1 ? (low, high) : (0x80, 0xBF)
        guard byte >= lo, byte <= hi else { return i }
      }
      i += length
    }
    return nil
  }

  // MARK: - The event loop

  private mutating func parse() -> YAMLNode? {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else {
      diagnostics.error("yaml-syntax", "libyaml could not start (out of memory?)", at: nil)
      return nil
    }
    defer { yaml_parser_delete(&parser) }

    // libyaml asserts on a null input pointer, which an empty array may give.
    let bytes = file.bytes.isEmpty ? [UInt8(ascii: "\n")] : file.bytes
    return bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
      guard let base = buffer.baseAddress else { return nil }
      yaml_parser_set_input_string(&parser, base, buffer.count)
      while true {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else {
          reportParserError(parser)
          return nil
        }
        defer { yaml_event_delete(&event) }
        switch consume(event) {
        case .next: continue
        case .fail: return nil
        case .finish: return finishedRoot()
        }
      }
    }
  }

  private mutating func finishedRoot() -> YAMLNode? {
    if allowEmpty, root == nil || root?.isNull == true {
      return root ?? YAMLNode(.scalar(.init("")), at: SourceRange(at: end, file: file.id))
    }
    guard let root, !root.isNull else {
      diagnostics.error(
        "empty-spec", "the spec is empty", at: root?.range,
        hint: "a spec starts with `nodespec: 1`")
      return nil
    }
    return root
  }

  private mutating func consume(_ event: yaml_event_t) -> Step {
    let range = SourceRange(
      start: location(event.start_mark), end: location(event.end_mark), file: file.id)
    switch event.type {
    case YAML_DOCUMENT_START_EVENT:
      // A %TAG directive renames tags (`!e!str` could mean anything): refused at the
      // directive, which is where the event starts.
      let directives = event.data.document_start.tag_directives
      if directives.start != directives.end {
        diagnostics.error(
          "unsupported-tag", "a %TAG directive is not supported", at: range,
          hint: "remove it; values are typed by their key, and YAML's core tags need no directive")
      }
      documents += 1
      guard documents == 1 else {
        diagnostics.error(
          "multiple-documents", "a spec holds one YAML document; this starts a second",
          at: range, hint: "remove the `---` line, or split the file")
        return .finish
      }
      return .next
    case YAML_STREAM_END_EVENT:
      return .finish
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let text = string(data.value, count: data.length)
      let scalar = YAMLNode.Scalar(text, style: style(data.style))
      let node = YAMLNode(.scalar(scalar), tag: optionalString(data.tag), at: range)
      if let anchor = optionalString(data.anchor) { anchors[anchor] = (node, 1) }
      attach(node, size: 1)
      return .next
    case YAML_ALIAS_EVENT:
      return alias(optionalString(event.data.alias.anchor) ?? "", at: range)
    case YAML_SEQUENCE_START_EVENT:
      let data = event.data.sequence_start
      let frame = Frame(
        isMapping: false, isFlow: data.style == YAML_FLOW_SEQUENCE_STYLE, start: range.start,
        anchor: optionalString(data.anchor), tag: optionalString(data.tag))
      return open(frame, at: range)
    case YAML_MAPPING_START_EVENT:
      let data = event.data.mapping_start
      let frame = Frame(
        isMapping: true, isFlow: data.style == YAML_FLOW_MAPPING_STYLE, start: range.start,
        anchor: optionalString(data.anchor), tag: optionalString(data.tag))
      return open(frame, at: range)
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      close(at: range.end)
      return .next
    default:
      // Stream start and document end carry nothing the tree needs.
      return .next
    }
  }

  private mutating func open(_ frame: Frame, at range: SourceRange) -> Step {
    guard frames.count < limits.maxDepth else {
      diagnostics.error(
        "too-deep", "the spec nests deeper than \(limits.maxDepth) levels", at: range,
        hint: "a node spec needs a handful of levels; is this the right file?")
      return .fail
    }
    frames.append(frame)
    return .next
  }

  private mutating func close(at end: SourceLocation) {
    guard let frame = frames.popLast() else { return }
    let lastChild = frame.isMapping ? frame.pairs.last?.value : frame.items.last
    let range = SourceRange(
      start: frame.start, end: frame.isFlow ? end : lastChild?.range.end ?? end, file: file.id)
    // A key without a value cannot happen: libyaml gives an empty scalar for a missing value.
    let kind: YAMLNode.Kind = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
    let node = YAMLNode(kind, tag: frame.tag, at: range)
    if let anchor = frame.anchor { anchors[anchor] = (node, frame.size) }
    attach(node, size: frame.size)
  }

  private mutating func alias(_ name: String, at range: SourceRange) -> Step {
    guard let (anchored, size) = anchors[name] else {
      diagnostics.error(
        "undefined-alias", "`*\(display(name))` refers to no anchor defined before it",
        at: range)
      dropNode(at: range)
      return .next
    }
    expanded += size
    guard expanded <= limits.maxAliasExpansion else {
      diagnostics.error(
        "alias-limit",
        "aliases expand to more than \(limits.maxAliasExpansion) nodes",
        at: range, hint: "a spec this size needs no aliases; write the values out")
      return .fail
    }
    var copy = anchored
    copy.range = range
    attach(copy, size: size)
    return .next
  }

  /// Adds a finished node to the open collection, or makes it the root.
  private mutating func attach(_ node: YAMLNode, size: Int) {
    guard !frames.isEmpty else {
      root = node
      return
    }
    // One access to the open frame for the whole change: changed in place (popping and
    // appending it again copied it for every node), and through one `inout` rather than an
    // access of `frames[last]` per field.
    Self.add(node, size: size, to: &frames[frames.count - 1], diagnostics: &diagnostics)
  }

  private static func add(
    _ node: YAMLNode, size: Int, to frame: inout Frame, diagnostics: inout Diagnostics
  ) {
    frame.size += size
    if !frame.isMapping {
      frame.items.append(node)
    } else if let key = frame.pendingKey.take() {
      if !frame.dropsValue { frame.pairs.append(.init(key: key, value: node)) }
      frame.dropsValue = false
    } else {
      frame.dropsValue = !accepts(key: node, firstKeys: &frame.firstKeys, diagnostics: &diagnostics)
      frame.pendingKey = node
    }
  }

  /// Leaves out a node that cannot be built (an undefined alias), together with its key, so
  /// that the decoder does not report the same spot again as a wrong type.
  private mutating func dropNode(at range: SourceRange) {
    guard var frame = frames.popLast() else {
      root = YAMLNode(.scalar(.init("")), at: range)
      return
    }
    if frame.isMapping {
      if frame.pendingKey == nil {
        frame.pendingKey = YAMLNode(.scalar(.init("")), at: range)
        frame.dropsValue = true
      } else {
        frame.pendingKey = nil
        frame.dropsValue = false
      }
    }
    frames.append(frame)
  }

  /// Refuses keys the schema cannot use; libyaml accepts all of them.
  private static func accepts(
    key: YAMLNode, firstKeys: inout KeyIndex, diagnostics: inout Diagnostics
  ) -> Bool {
    guard let scalar = key.scalar else {
      diagnostics.error(
        "non-scalar-key", "a mapping key must be a plain string, not \(key.kindDescription)",
        at: key.range)
      return false
    }
    if scalar.text == "<<", scalar.style == .plain, key.tag == nil {
      diagnostics.error(
        "merge-key-unsupported", "merge keys (`<<`) are not supported", at: key.range,
        hint: "write the keys out; a spec should read the same to people and tools")
      return false
    }
    if let first = firstKeys.first(scalar.text) {
      diagnostics.error(
        "duplicate-key", "duplicate key `\(display(scalar.text))`", at: key.range,
        notes: [.init("first defined here", at: first)],
        hint: "YAML keeps only one of them; remove the other")
      return false
    }
    firstKeys.insert(scalar.text, at: key.range)
    return true
  }

  // MARK: - libyaml's errors

  /// The longest implicit key libyaml reads (its scanner's `1024`).
  static let maxKeyLength = 1024

  private mutating func reportParserError(_ parser: yaml_parser_t) {
    let problem = optionalCString(parser.problem) ?? "unknown error"
    if parser.error == YAML_READER_ERROR {
      // Reader errors carry a byte offset, not a mark. Encoding was checked already, so what
      // is left is raw control characters.
      let at = SourceRange(at: file.location(ofByte: Int(parser.problem_offset)), file: file.id)
      let isControl = problem.containsUTF8("control characters")
      diagnostics.error(
        isControl ? "control-character" : "yaml-syntax",
        isControl ? "the spec contains a control character" : problem, at: at,
        hint: isControl ? "remove it; only tab and line breaks may appear in YAML text" : nil)
      return
    }
    let at = SourceRange(at: location(parser.problem_mark), file: file.id)
    if let tab = indentationTab(near: at.start) {
      diagnostics.error(
        "yaml-tab", "a tab is used for indentation", at: SourceRange(at: tab, file: file.id),
        hint: "YAML indents with spaces")
      return
    }
    // libyaml gives up on a key without `?` after 1024 characters, saying it found no `:`.
    let context = optionalCString(parser.context)
    let (start, end) = (parser.context_mark, parser.problem_mark)
    if context == "while scanning a simple key", start.line == end.line,
      end.index - start.index > Self.maxKeyLength
    {
      diagnostics.error(
        "key-too-long", "a key is longer than \(Self.maxKeyLength) characters, YAML's limit",
        at: SourceRange(at: location(parser.context_mark), file: file.id),
        hint: "no key of a spec is this long; is a `:` missing, or is this the right file?")
      return
    }
    var notes: [Diagnostic.Note] = []
    if let context {
      notes.append(
        .init(context, at: SourceRange(at: location(parser.context_mark), file: file.id)))
    }
    diagnostics.error("yaml-syntax", problem, at: at, notes: notes, hint: Self.hint(for: problem))
  }

  /// What usually causes libyaml's most common complaints, in the words of someone editing a
  /// spec rather than writing a YAML parser.
  private static func hint(for problem: String) -> String? {
    switch problem {
    case "mapping values are not allowed in this context":
      "quote a value that contains `: `, or check this line's indentation"
    case "did not find expected key", "did not find expected '-' indicator":
      "check this line's indentation against the lines above"
    case "found character that cannot start any token":
      "quote a value that starts with ` or @"
    case "found unexpected end of stream":
      "a quote or bracket is not closed"
    case "did not find expected ',' or ']'", "did not find expected ',' or '}'":
      "a bracket is not closed, or items lack a `,` between them"
    default: nil
    }
  }

  /// libyaml reports a tab in indentation as "found character that cannot start any token" or
  /// similar, at the tab or on the line after it. Find the tab so the message can say so.
  private func indentationTab(near location: SourceLocation) -> SourceLocation? {
    for line in [location.line, location.line - 1] {
      guard let text = file.line(line) else { continue }
      for (offset, scalar) in text.unicodeScalars.enumerated() {
        if scalar == "\t" { return SourceLocation(line: line, column: offset + 1) }
        if scalar != " " { break }
      }
    }
    // A tab where a token should start, e.g. after `- `.
    if let text = file.line(location.line) {
      let scalars = Array(text.unicodeScalars)
      if location.column >= 1, location.column <= scalars.count,
        scalars[location.column - 1] == "\t"
      {
        return location
      }
    }
    return nil
  }

  // MARK: - Conversions

  private func location(_ mark: yaml_mark_t) -> SourceLocation {
    min(SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1), end)
  }

  private func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
    switch style {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: .literal
    case YAML_FOLDED_SCALAR_STYLE: .folded
    default: .plain
    }
  }
}

private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
  guard let pointer else { return "" }
  return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
}

private func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
  pointer.map { String(cString: $0) }
}

private func optionalCString(_ pointer: UnsafePointer<CChar>?) -> String? {
  pointer.map { String(cString: $0) }
}

private func hex(_ byte: UInt8) -> String {
  let digits = Array("0123456789ABCDEF")
  return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
