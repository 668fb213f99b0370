/// A YAML document to write, as a tree. Mappings keep their order: output never depends on
/// dictionary iteration.
public enum YAMLValue: Sendable, Equatable {
  public enum Style: Sendable, Equatable {
    /// Let the emitter choose: plain when every reader takes it back as this string, quoted
    /// otherwise.
    case any
    case plain
    case singleQuoted
    case doubleQuoted
    /// `|` block: for file contents.
    case literal
  }

  /// A scalar; `tag` is a local tag written before it, such as `!unsafe`.
  case scalar(String, style: Style = .any, tag: String? = nil)
  case sequence([YAMLValue], flow: Bool = false)
  case mapping([(String, YAMLValue)])

  public static func == (a: YAMLValue, b: YAMLValue) -> Bool {
    switch (a, b) {
    case let (.scalar(x, s, t), .scalar(y, u, v)): x == y && s == u && t == v
    case let (.sequence(x, f), .sequence(y, g)): x == y && f == g
    case let (.mapping(x), .mapping(y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }
}

/// Writes a `YAMLValue` as YAML text, straight into a `ByteWriter`.
///
/// It chooses each scalar's style as libyaml's emitter does (the same analysis of the text,
/// so the output is the same bytes for the strings the backends write), with three rules of
/// its own where libyaml's choice is not safe for every reader:
/// - a string YAML 1.1 would retype when plain (`yes`, `0644`, `~`: `wouldRetype`) is quoted;
/// - a string with a line break is never a multi-line quoted scalar (a reader folds those):
///   it is a literal block where the style asks for one, else double-quoted with `\n`;
/// - `\r`, NEL, LS and PS are line breaks for a YAML 1.1 reader (PyYAML, libyaml) and content
///   for a YAML 1.2 one, and a reader turns `\r` into `\n` in a block: text holding one is
///   double-quoted, with the character escaped.
///
/// Layout: two spaces of indentation, no line folding, and block sequences that are mapping
/// values indented under their key (`tasks:` then `  - name:`) when `indentSequences` is set,
/// as ansible-lint's yamllint configuration wants; libyaml writes them at the key's column.
public enum YAMLEmitter {
  /// The document as text, with an explicit `---` start when `explicitStart` is set.
  public static func emit(
    _ value: YAMLValue, explicitStart: Bool = false, indentSequences: Bool = false
  ) -> String {
    var out = ByteWriter(capacity: 1024)
    write(value, to: &out, explicitStart: explicitStart, indentSequences: indentSequences)
    return out.text
  }

  /// Writes one document, ending with a line break.
  public static func write(
    _ value: YAMLValue, to out: inout ByteWriter, explicitStart: Bool = false,
    indentSequences: Bool = false
  ) {
    let layout = Layout(indentSequences: indentSequences)
    if case .scalar(let text, let style, let tag) = value {
      if explicitStart { out.write("--- ") }
      layout.scalar(text, style, tag, .block, contentColumn: 2, endLine: true, &out)
      return
    }
    if explicitStart { out.line("---") }
    layout.block(value, column: 0, &out)
  }

  /// Writes `key: value` (or `key:` and the collection on the next lines) as one entry of a
  /// block mapping at `column`, whose indentation is already written: for a caller that
  /// writes a mapping from its own types without building a `YAMLValue` of it first.
  public static func writePair(
    _ key: String, _ value: YAMLValue, column: Int, to out: inout ByteWriter,
    indentSequences: Bool = false
  ) {
    Layout(indentSequences: indentSequences).pair(key, value, column: column, &out)
  }

  /// Writes one entry of a block sequence, its `- ` at `column`: for a caller that renders
  /// entries apart (to measure or replace one) and puts the sequence together itself.
  public static func writeItem(
    _ value: YAMLValue, column: Int, to out: inout ByteWriter, indentSequences: Bool = false
  ) {
    Layout(indentSequences: indentSequences).item(value, column: column, &out)
  }
}

extension YAMLEmitter {
  /// Where a scalar stands: the rules for plain scalars differ inside `[...]` and `{...}`,
  /// and a key is never a block scalar.
  enum Context { case block, flow, key }

  struct Layout {
    let indentSequences: Bool

    /// Writes a block node whose first line continues the current line at `column` (the
    /// indentation, or a `- `, is already written); ends with a line break.
    func block(_ value: YAMLValue, column: Int, _ out: inout ByteWriter) {
      switch value {
      case .scalar(let text, let style, let tag):
        scalar(text, style, tag, .block, contentColumn: column, endLine: true, &out)
      case .sequence(let items, let flow):
        guard !flow, !items.isEmpty else {
          self.flow(value, &out)
          out.write(byte: newline)
          return
        }
        // By index: `for item in items` (or `enumerated()`) copies every entry, a retain of
        // its payload and a release after it.
        for index in items.indices {
          if index > 0 { out.indent(column) }
          self.item(items[index], column: column, &out)
        }
      case .mapping(let pairs):
        guard !pairs.isEmpty else {
          self.flow(value, &out)
          out.write(byte: newline)
          return
        }
        for index in pairs.indices {
          if index > 0 { out.indent(column) }
          pair(pairs[index].0, pairs[index].1, column: column, &out)
        }
      }
    }

    /// `- ` and the entry, whose content starts two columns right of the dash.
    func item(_ value: YAMLValue, column: Int, _ out: inout ByteWriter) {
      out.write(byte: UInt8(ascii: "-"), space)
      block(value, column: column + 2, &out)
    }

    /// `key: value`, or `key:` and the collection on the next lines.
    func pair(_ key: String, _ value: YAMLValue, column: Int, _ out: inout ByteWriter) {
      key.withUTF8Bytes { bytes in
        let analysis = Analysis(bytes)
        if bytes.count > 128 || analysis.multiline {
          // libyaml's rule: a key longer than 128 bytes or spanning lines is an explicit one.
          out.write(byte: UInt8(ascii: "?"), space)
          scalar(bytes, analysis, .any, nil, .block, contentColumn: column + 2, endLine: true, &out)
          out.indent(column)
        } else {
          scalar(bytes, analysis, .any, nil, .key, contentColumn: column + 2, endLine: false, &out)
        }
      }
      // The colon and what follows it as one append: `: ` before a value on the same line.
      let colon = UInt8(ascii: ":")
      switch value {
      case .scalar(let text, let style, let tag):
        out.write(byte: colon, space)
        scalar(text, style, tag, .block, contentColumn: column + 2, endLine: true, &out)
      case .sequence(let items, let flow) where flow || items.isEmpty:
        out.write(byte: colon, space)
        block(value, column: column + 2, &out)
      case .mapping(let pairs) where pairs.isEmpty:
        out.write(byte: colon, space)
        block(value, column: column + 2, &out)
      case .mapping:
        out.write(byte: colon, newline)
        out.indent(column + 2)
        block(value, column: column + 2, &out)
      case .sequence:
        let itemColumn = indentSequences ? column + 2 : column
        out.write(byte: colon, newline)
        out.indent(itemColumn)
        block(value, column: itemColumn, &out)
      }
    }

    /// A flow collection on one line: `[a, b]`, `{k: v}`.
    func flow(_ value: YAMLValue, _ out: inout ByteWriter) {
      switch value {
      case .scalar(let text, let style, let tag):
        scalar(text, style, tag, .flow, contentColumn: 0, endLine: false, &out)
      case .sequence(let items, _):
        out.write(byte: UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
          if index > 0 { out.write(", ") }
          flow(item, &out)
        }
        out.write(byte: UInt8(ascii: "]"))
      case .mapping(let pairs):
        out.write(byte: UInt8(ascii: "{"))
        for (index, (key, value)) in pairs.enumerated() {
          if index > 0 { out.write(", ") }
          scalar(key, .any, nil, .flow, contentColumn: 0, endLine: false, &out)
          out.write(": ")
          flow(value, &out)
        }
        out.write(byte: UInt8(ascii: "}"))
      }
    }

    /// Writes a scalar in the style `Analysis` allows, its tag first. `contentColumn` is where
    /// a literal block's lines start; `endLine` ends the line after it (a literal block that
    /// ends with line breaks already has).
    func scalar(
      _ text: String, _ style: YAMLValue.Style, _ tag: String?, _ context: Context,
      contentColumn: Int, endLine: Bool, _ out: inout ByteWriter
    ) {
      text.withUTF8Bytes { bytes in
        // Double quotes hold any text (`Analysis.style` keeps them): nothing to analyze.
        guard style != .doubleQuoted else {
          if let tag {
            out.write(tag)
            out.write(byte: space)
          }
          YAMLEmitter.writeDoubleQuoted(bytes, &out)
          if endLine { out.write(byte: newline) }
          return
        }
        scalar(
          bytes, Analysis(bytes), style, tag, context, contentColumn: contentColumn,
          endLine: endLine, &out)
      }
    }

    func scalar(
      _ bytes: UnsafeBufferPointer<UInt8>, _ analysis: Analysis, _ style: YAMLValue.Style,
      _ tag: String?, _ context: Context, contentColumn: Int, endLine: Bool,
      _ out: inout ByteWriter
    ) {
      let chosen = analysis.style(for: style, tagged: tag != nil, in: context, bytes)
      if let tag {
        out.write(tag)
        out.write(byte: space)
      }
      switch chosen {
      case .plain, .any: out.write(bytes: bytes)
      case .singleQuoted: YAMLEmitter.writeSingleQuoted(bytes, &out)
      case .doubleQuoted: YAMLEmitter.writeDoubleQuoted(bytes, &out)
      case .literal:
        YAMLEmitter.writeLiteral(bytes, column: contentColumn, &out)
        return
      }
      if endLine { out.write(byte: newline) }
    }
  }
}

private let newline = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")

// MARK: - Choosing a style

extension YAMLEmitter {
  /// What a scalar's text allows, found in one pass over its bytes: libyaml's
  /// `yaml_emitter_analyze_scalar`, with the stricter rules `YAMLEmitter` describes. (The flow
  /// indicators past the first character are looked for in a second pass, only for a scalar
  /// written inside `[...]` or `{...}`: `plainInFlow`.)
  struct Analysis {
    var isEmpty = false
    var multiline = false
    /// Plain inside `[...]` or `{...}`, but for the flow indicators `, ? [ ] { }` past the
    /// first character: only a scalar written there needs them looked for (`plainInFlow`).
    var flowPlainButForIndicators = true
    var blockPlain = true
    var singleQuoted = true
    var literal = true

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
      let count = bytes.count
      guard count > 0 else {
        isEmpty = true
        flowPlainButForIndicators = false
        literal = false
        return
      }
      // Most scalars are one quiet word: a letter, digit, `_` or `/` first, then printable
      // ASCII but `:` and `#`, no space last (keys, module names, paths, states). libyaml's
      // analysis finds nothing in one, every style is allowed (the defaults): said at once,
      // without the bookkeeping below (about half of what the analysis cost such a scalar).
      if YAMLEmitter.byteKinds[Int(bytes[0])] & ByteKind.wordStart != 0,
        bytes[count - 1] != space, YAMLEmitter.quietRunEnd(bytes, from: 1) == count
      {
        return
      }
      // What libyaml's analysis notes, as bits of one word (`Found`); the flags follow from
      // them at the end.
      var found: Found = []
      var flowIndicators = false
      var previousSpace = false
      var previousBreak = false
      var precededByWhitespace = true

      var index = 0
      if YAMLEmitter.byteKinds[Int(bytes[0])] & ByteKind.wordStart != 0 {
        // A letter, digit, `_` or `/` first (keys, module names, paths, states): no indicator,
        // what the step below would find for it.
        precededByWhitespace = false
        index = 1
      } else if count >= 3, bytes[0] == bytes[1], bytes[1] == bytes[2],
        bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: ".")
      {
        found.insert(.blockIndicators)
        flowIndicators = true
      }
      while true {
        // Past the first byte, most are quiet (`quietRunEnd`): of a run of them only a space
        // that starts it after a line break matters, and whether it ends with a space (before a
        // line break or `#`, or at the end); its flow indicators only in flow (`plainInFlow`).
        if index > 0 {
          let end = YAMLEmitter.quietRunEnd(bytes, from: index)
          if end > index {
            let endsWithSpace = bytes[end - 1] == space
            if previousBreak && bytes[index] == space { found.insert(.breakSpace) }
            if endsWithSpace && end == count { found.insert(.trailingSpace) }
            previousSpace = endsWithSpace
            previousBreak = false
            precededByWhitespace = endsWithSpace
            index = end
          }
        }
        guard index < count else { break }
        // One character that is not quiet, or the first one.
        let byte = bytes[index]
        if byte == newline {
          // The next line of a file: what the general step finds for a line feed.
          found.insert(.multiline)
          if index == 0 { found.insert(.leadingBreak) }
          if index + 1 == count { found.insert(.trailingBreak) }
          if previousSpace { found.insert(.spaceBreak) }
          previousSpace = false
          previousBreak = true
          precededByWhitespace = true
          index += 1
          continue
        }
        let kind = YAMLEmitter.byteKinds[Int(byte)]
        let width = YAMLEmitter.width(of: byte)
        let next = index + width
        let followedByWhitespace = next >= count || YAMLEmitter.isBlankOrBreak(bytes, at: next)
        if index == 0 {
          if kind & ByteKind.leadingIndicator != 0 {
            flowIndicators = true
            found.insert(.blockIndicators)
          }
          if byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":") {
            flowIndicators = true
            if followedByWhitespace { found.insert(.blockIndicators) }
          }
          if byte == UInt8(ascii: "-") && followedByWhitespace {
            flowIndicators = true
            found.insert(.blockIndicators)
          }
        } else {
          // (A flow indicator past the first byte is quiet: `plainInFlow` looks for it.)
          if byte == UInt8(ascii: ":") {
            flowIndicators = true
            if followedByWhitespace { found.insert(.blockIndicators) }
          }
          if byte == UInt8(ascii: "#") && precededByWhitespace {
            flowIndicators = true
            found.insert(.blockIndicators)
          }
        }
        if !YAMLEmitter.isPrintable(bytes, at: index) { found.insert(.special) }
        let isBreak = YAMLEmitter.isBreak(bytes, at: index)
        if isBreak {
          found.insert(.multiline)
          if byte != newline { found.insert(.otherBreak) }
        }
        if byte == space {
          if index == 0 { found.insert(.leadingSpace) }
          if next == count { found.insert(.trailingSpace) }
          if previousBreak { found.insert(.breakSpace) }
          previousSpace = true
          previousBreak = false
        } else if isBreak {
          if index == 0 { found.insert(.leadingBreak) }
          if next == count { found.insert(.trailingBreak) }
          if previousSpace { found.insert(.spaceBreak) }
          previousSpace = false
          previousBreak = true
        } else {
          previousSpace = false
          previousBreak = false
        }
        precededByWhitespace = YAMLEmitter.isBlankOrBreak(bytes, at: index)
        index = next
      }

      if flowIndicators { flowPlainButForIndicators = false }
      // Most scalars (words, paths, sentences) end here: every style allowed.
      if found.isEmpty { return }
      if !found.isDisjoint(with: [.leadingSpace, .leadingBreak, .trailingSpace, .trailingBreak]) {
        flowPlainButForIndicators = false
        blockPlain = false
      }
      if found.contains(.trailingSpace) { literal = false }
      if found.contains(.breakSpace) {
        flowPlainButForIndicators = false
        blockPlain = false
        singleQuoted = false
      }
      // A space before a line break: yamllint's trailing-spaces in a block; in any style,
      // control characters other than the line feed and tab have to be escaped.
      if !found.isDisjoint(with: [.spaceBreak, .special]) {
        flowPlainButForIndicators = false
        blockPlain = false
        singleQuoted = false
        literal = false
      }
      if found.contains(.multiline) {
        multiline = true
        flowPlainButForIndicators = false
        blockPlain = false
        // Stricter than libyaml: a multi-line quoted scalar is folded by the reader.
        singleQuoted = false
      }
      if found.contains(.otherBreak) { literal = false }
      if found.contains(.blockIndicators) { blockPlain = false }
    }

    /// What the pass over a scalar found, by libyaml's names.
    struct Found: OptionSet {
      let rawValue: UInt16
      static let blockIndicators = Found(rawValue: 1 << 0)
      static let special = Found(rawValue: 1 << 1)
      static let multiline = Found(rawValue: 1 << 2)
      static let otherBreak = Found(rawValue: 1 << 3)
      static let leadingSpace = Found(rawValue: 1 << 4)
      static let leadingBreak = Found(rawValue: 1 << 5)
      static let trailingSpace = Found(rawValue: 1 << 6)
      static let trailingBreak = Found(rawValue: 1 << 7)
      static let breakSpace = Found(rawValue: 1 << 8)
      static let spaceBreak = Found(rawValue: 1 << 9)
    }

    /// Whether the text can be plain inside `[...]` or `{...}`.
    func plainInFlow(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
      flowPlainButForIndicators && !YAMLEmitter.holdsFlowIndicator(bytes)
    }

    /// The style to write: the one asked for when the text allows it, else the next safe one
    /// (plain, single-quoted, double-quoted; a literal block falls back to double quotes).
    func style(
      for asked: YAMLValue.Style, tagged: Bool, in context: Context,
      _ bytes: UnsafeBufferPointer<UInt8>
    ) -> YAMLValue.Style {
      var style = asked
      if style == .any {
        style = !tagged && YAMLEmitter.wouldRetype(bytes) ? .singleQuoted : .plain
      }
      if context == .key && multiline { return .doubleQuoted }
      if style == .plain {
        let allowed = context == .flow ? plainInFlow(bytes) : blockPlain
        if !allowed || isEmpty { style = .singleQuoted }
      }
      if style == .singleQuoted && !singleQuoted { return .doubleQuoted }
      if style == .literal && (!literal || context != .block) { return .doubleQuoted }
      return style
    }
  }

  /// Bit flags per byte value, for the indicator checks.
  enum ByteKind {
    /// Not plain at the start of a scalar: `# , [ ] { } & * ! | > ' " % @ ``.
    static let leadingIndicator: UInt8 = 1
    /// Not plain anywhere inside `[...]` or `{...}`: `, ? [ ] { }`.
    static let flowIndicator: UInt8 = 2
    /// Quiet (`quietRunEnd`): printable ASCII or the space, but not `:` or `#`.
    static let quiet: UInt8 = 4
    /// ASCII letters and digits, `_` and `/`: no indicator at a scalar's start.
    static let wordStart: UInt8 = 8
  }

  static let byteKinds: [UInt8] = {
    var table = [UInt8](repeating: 0, count: 256)
    for byte in "#,[]{}&*!|>'\"%@`".utf8 { table[Int(byte)] |= ByteKind.leadingIndicator }
    for byte in ",?[]{}".utf8 { table[Int(byte)] |= ByteKind.flowIndicator }
    for byte in UInt8(0x20)...0x7E where byte != UInt8(ascii: ":") && byte != UInt8(ascii: "#") {
      table[Int(byte)] |= ByteKind.quiet
    }
    let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/"
    for byte in letters.utf8 { table[Int(byte)] |= ByteKind.wordStart }
    return table
  }()

  /// Where the run of quiet bytes that starts at `start` ends: printable ASCII and the space,
  /// but not `:` or `#`. Past a scalar's first byte such a byte is no line break, needs no
  /// escape and starts or ends no indicator (a `- `, `? `, `: ` or ` #` holds a loud byte).
  /// Most of a scalar's bytes are quiet, so they are tested eight at a time (`QuietWord`); the
  /// last eight bytes are read as one word that overlaps the one before, and a scalar of fewer
  /// than eight is read byte by byte.
  @inline(__always)
  static func quietRunEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    let count = bytes.count
    guard count >= 8, start < count, let base = bytes.baseAddress else {
      let kinds = byteKinds
      var index = start
      while index < count && kinds[Int(bytes[index])] & ByteKind.quiet != 0 { index += 1 }
      return index
    }
    let raw = UnsafeRawPointer(base)
    var index = start
    while true {
      let at = Swift.min(index, count &- 8)
      let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
      // Only the bytes from `index` on are tested: the last word may start before it.
      let loud = QuietWord.loud(word) & ~0 &<< (UInt64(index &- at) &* 8)
      if loud != 0 { return at &+ loud.trailingZeroBitCount / 8 }
      index = at &+ 8
      if index == count { return count }
    }
  }

  /// Eight bytes tested at once, in a `UInt64` (the first byte lowest): each test sets the
  /// high bit of every byte it finds and no other bit. Exact per byte: no sum carries from one
  /// byte into the next (unlike the shorter `(x - 0x0101...) & ~x & 0x8080...`, exact only for
  /// the lowest byte found), so the first byte found is the lowest bit set.
  enum QuietWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    static let high: UInt64 = 0x8080_8080_8080_8080

    /// The bytes equal to `byte`: `(x & 0x7F) + 0x7F`, or'ed with `x`, has the high bit set
    /// unless the byte `x` of `word ^ byte` is zero.
    @inline(__always)
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
      let x = word ^ (ones &* UInt64(byte))
      return ~(((x & low7) &+ low7) | x) & high
    }

    /// The bytes that are not quiet: not ASCII (high bit set), below the space (the low seven
    /// bits plus 0x60 stay below 0x80), DEL (they plus 1 reach 0x80), `:` or `#`.
    @inline(__always)
    static func loud(_ word: UInt64) -> UInt64 {
      let low = word & low7
      let notPrintable = (word | ~(low &+ ones &* 0x60) | (low &+ ones)) & high
      return notPrintable | equal(word, UInt8(ascii: ":")) | equal(word, UInt8(ascii: "#"))
    }
  }

  /// Whether a character of the text is a flow indicator, `, ? [ ] { }`: not plain inside
  /// `[...]` or `{...}`. Character by character, as `Analysis` steps: a byte inside a character
  /// (invalid UTF-8 only) is none.
  static func holdsFlowIndicator(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byteKinds[Int(byte)] & ByteKind.flowIndicator != 0 { return true }
      index += width(of: byte)
    }
    return false
  }

  /// The length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
  @inline(__always)
  static func width(of byte: UInt8) -> Int {
    if byte < 0x80 { return 1 }
    if byte & 0xE0 == 0xC0 { return 2 }
    if byte & 0xF0 == 0xE0 { return 3 }
    if byte & 0xF8 == 0xF0 { return 4 }
    return 1
  }

  @inline(__always)
  static func byteAt(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt8 {
    index < bytes.count ? bytes[index] : 0
  }

  /// `\n`, `\r`, NEL (U+0085), LS (U+2028) or PS (U+2029): YAML 1.1's line breaks.
  @inline(__always)
  static func isBreak(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
    switch bytes[index] {
    case newline, carriageReturn: true
    case 0xC2: byteAt(bytes, index + 1) == 0x85
    case 0xE2: byteAt(bytes, index + 1) == 0x80 && byteAt(bytes, index + 2) & 0xFE == 0xA8
    default: false
    }
  }

  /// A space, a tab, a line break, or the end (NUL, as libyaml sees its C string).
  @inline(__always)
  static func isBlankOrBreak(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
    let byte = bytes[index]
    return byte == space || byte == UInt8(ascii: "\t") || byte == 0 || isBreak(bytes, at: index)
  }

  /// libyaml's `IS_PRINTABLE`: the line feed, printable ASCII, and the characters of the
  /// Basic Multilingual Plane from U+00A0 on, except the surrogates, the byte order mark,
  /// U+FFFE and U+FFFF. Characters beyond U+FFFF count as not printable (they are escaped).
  @inline(__always)
  static func isPrintable(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
    let byte = bytes[index]
    switch byte {
    case newline, 0x20...0x7E: return true
    case 0xC2: return byteAt(bytes, index + 1) >= 0xA0
    case 0xC3..<0xED, 0xEE: return true
    case 0xED: return byteAt(bytes, index + 1) < 0xA0
    case 0xEF:
      let (second, third) = (byteAt(bytes, index + 1), byteAt(bytes, index + 2))
      return !(second == 0xBB && third == 0xBF) && !(second == 0xBF && third >= 0xBE)
    default: return false
    }
  }

}

// MARK: - Writing the styles

extension YAMLEmitter {
  /// `'...'`, a quote doubled. The text holds no line break (`Analysis` sees to it).
  static func writeSingleQuoted(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout ByteWriter) {
    let quote = UInt8(ascii: "'")
    out.write(byte: quote)
    var start = 0
    // Each quote found by `memchr` (`firstIndex(of:from:)`), not by a test of every byte.
    while let index = bytes.firstIndex(of: quote, from: start) {
      out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...index]))
      out.write(byte: quote)
      start = index + 1
    }
    out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...]))
    out.write(byte: quote)
  }

  /// `"..."` with libyaml's escapes: `\0 \a \b \t \n \v \f \r \e \" \\ \N \_ \L \P`, else `\xXX`,
  /// `\uXXXX` or `\UXXXXXXXX`, for what is not printable, a line break or the byte order mark.
  static func writeDoubleQuoted(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout ByteWriter) {
    let quote = UInt8(ascii: "\"")
    let backslash = UInt8(ascii: "\\")
    out.write(byte: quote)
    var index = 0
    var start = 0
    while index < bytes.count {
      let byte = bytes[index]
      let width = width(of: byte)
      let plain =
        byte != quote && byte != backslash && byte != newline && isPrintable(bytes, at: index)
        && !isBreak(bytes, at: index)
      if plain {
        index += width
        continue
      }
      out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<index]))
      var value = width == 1 ? UInt32(byte) : UInt32(byte) & (0xFF >> (width + 1))
      for offset in 1..<max(width, 1) {
        value = value << 6 | UInt32(Self.byteAt(bytes, index + offset) & 0x3F)
      }
      out.write(byte: backslash)
      if let short = shortEscape(value) {
        out.write(byte: short)
      } else {
        let (letter, digits): (UInt8, Int) =
          value <= 0xFF ? (UInt8(ascii: "x"), 2)
          : value <= 0xFFFF ? (UInt8(ascii: "u"), 4) : (UInt8(ascii: "U"), 8)
        out.write(byte: letter)
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
          out.write(byte: hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
      }
      index += width
      start = index
    }
    out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
    out.write(byte: quote)
  }

  /// The one-letter escape of a character, if it has one. A switch, not a dictionary: a
  /// `[UInt32: UInt8]` costs the runtime a scan of every conformance record (`Hashable`) the
  /// first time it is built, more than all the escapes of a playbook.
  private static func shortEscape(_ value: UInt32) -> UInt8? {
    switch value {
    case 0x00: UInt8(ascii: "0")
    case 0x07: UInt8(ascii: "a")
    case 0x08: UInt8(ascii: "b")
    case 0x09: UInt8(ascii: "t")
    case 0x0A: UInt8(ascii: "n")
    case 0x0B: UInt8(ascii: "v")
    case 0x0C: UInt8(ascii: "f")
    case 0x0D: UInt8(ascii: "r")
    case 0x1B: UInt8(ascii: "e")
    case 0x22: UInt8(ascii: "\"")
    case 0x5C: UInt8(ascii: "\\")
    case 0x85: UInt8(ascii: "N")
    case 0xA0: UInt8(ascii: "_")
    case 0x2028: UInt8(ascii: "L")
    case 0x2029: UInt8(ascii: "P")
    default: nil
    }
  }

  private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

  /// `|` with its indicators, then each line at `column`; empty lines stay empty. An
  /// indentation indicator when the text starts with a space or a line break (the reader would
  /// otherwise take the first line's spaces for indentation); `-` when the text does not end
  /// with a line break, `+` when it ends with more than one (or is one).
  static func writeLiteral(
    _ bytes: UnsafeBufferPointer<UInt8>, column: Int, _ out: inout ByteWriter
  ) {
    out.write(byte: UInt8(ascii: "|"))
    if bytes[0] == space || bytes[0] == newline { out.write(byte: UInt8(ascii: "2")) }
    let count = bytes.count
    if bytes[count - 1] != newline {
      out.write(byte: UInt8(ascii: "-"))
    } else if count == 1 || bytes[count - 2] == newline {
      out.write(byte: UInt8(ascii: "+"))
    }
    out.write(byte: newline)
    var start = 0
    while start < count {
      let end = bytes.firstIndex(of: newline, from: start) ?? count
      if end > start {
        out.indent(column)
        out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
      }
      out.write(byte: newline)
      start = end + 1
    }
  }
}

extension YAMLEmitter {
  /// Whether a YAML 1.1 reader would take this text, written plain, for something other than
  /// a string: a boolean (`yes`, `off`, `y`), a null (`~`, `null`, the empty string), a number
  /// or timestamp (anything starting with a digit, a sign or a dot), a merge key or `=`.
  /// Errs on the side of quoting.
  public static func wouldRetype(_ text: String) -> Bool {
    text.withUTF8Bytes { wouldRetype($0) }
  }

  static func wouldRetype(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = utf8.first else { return true }
    if retypingFirstBytes[Int(first)] { return true }
    // The words are ASCII; no other character lowercases to an ASCII letter they hold, so
    // folding ASCII case alone is what `lowercased()` would do here.
    let count = utf8.count
    guard count <= 5 else { return false }
    // Every word starts with one of these letters: most keys (`path`, `mode`, `src`) stop here.
    switch first | 0x20 {
    case UInt8(ascii: "y"), UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "f"),
      UInt8(ascii: "o"):
      break
    default: return false
    }
    // The text folded to small letters and packed into one number, its first byte lowest,
    // then compared with the words' numbers: `| 0x20` turns an ASCII capital into its small
    // letter and no other byte into a small letter, and the words hold small letters only, so
    // this is the case-folding comparison. No folded byte is 0: a word matches only a text of
    // its length. (A switch: no table to build, no loop over the words and their bytes.)
    var folded: UInt64 = 0
    for index in 0..<count { folded |= UInt64(utf8[index] | 0x20) &<< (8 &* index) }
    switch folded {
    case 0x79, 0x6E,  // y, n
      0x73_6579, 0x6F6E,  // yes, no
      0x6575_7274, 0x65_736C_6166,  // true, false
      0x6E6F, 0x66_666F,  // on, off
      0x6C6C_756E:  // null
      return true
    default:
      return false
    }
  }

  /// Indexed by a text's first byte: `0-9 + - . ~ < =`.
  private static let retypingFirstBytes: [Bool] = {
    var table = [Bool](repeating: false, count: 256)
    for byte in "0123456789+-.~<=".utf8 { table[Int(byte)] = true }
    return table
  }()
}
