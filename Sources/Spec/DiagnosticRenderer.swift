/// Renders diagnostics the way compilers do:
///
///     node.yaml:4:3: error: unknown key `compnents` [unknown-key]
///       compnents:
///       ^~~~~~~~~
///       hint: did you mean `components`?
public struct DiagnosticRenderer: Sendable {
  /// ANSI colours; the caller decides (a TTY, and `NO_COLOR` unset).
  public var color: Bool

  public init(color: Bool) { self.color = color }

  /// One diagnostic with its snippet, notes and hint; every line ends with `\n`.
  public func render(_ diagnostic: Diagnostic, in file: SourceFile) -> String {
    render([diagnostic], in: file)
  }

  /// Each diagnostic in turn, in the order given.
  public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
    // Split the file into lines once, not once per snippet: a hostile file can carry
    // thousands of problems.
    let lines = file.lineRanges()
    return diagnostics.map { render($0, in: file, lines: lines) }.joined()
  }

  /// The line that closes a report, e.g. `2 errors, 1 warning`, with `\n`; empty when there
  /// is nothing to count. `strict` says that warnings failed the run too.
  public static func summary(of diagnostics: [Diagnostic], strict: Bool = false) -> String {
    func count(_ severity: Diagnostic.Severity, _ noun: String) -> String? {
      let n = diagnostics.count { $0.severity == severity }
      return n == 0 ? nil : "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
    let warnings = count(.warning, "warning")
    let counts = [count(.error, "error"), warnings].compactMap { $0 }
    guard !counts.isEmpty else { return "" }
    let strictly = strict && warnings != nil ? "; --strict treats warnings as errors" : ""
    return counts.joined(separator: ", ") + strictly + "\n"
  }

  private func render(
    _ diagnostic: Diagnostic, in file: SourceFile, lines: [Range<Int>]
  ) -> String {
    var out = ""
    let label = diagnostic.severity.rawValue
    let position: String
    if let range = diagnostic.range {
      position = "\(file.path):\(range.start.line):\(range.start.column)"
    } else {
      position = file.path
    }
    out +=
      bold("\(position): ") + paint(label + ":", for: diagnostic.severity) + " "
      + bold(diagnostic.message) + " [\(diagnostic.id)]\n"
    if let range = diagnostic.range { out += snippet(range, in: file, lines: lines) }
    for note in diagnostic.notes {
      if let range = note.range {
        out += "\(file.path):\(range.start.line):\(range.start.column): note: \(note.message)\n"
        out += snippet(range, in: file, lines: lines)
      } else {
        out += "  note: \(note.message)\n"
      }
    }
    if let hint = diagnostic.hint { out += "  " + paint("hint:", for: .note) + " \(hint)\n" }
    return out
  }

  /// The source line, then a caret under the start and tildes to the end of the range (on the
  /// same line).
  ///
  /// The line is drawn cell by cell so that the caret line matches it on a terminal: tabs
  /// expand to the next multiple of 4, wide (East Asian, emoji) characters take two cells,
  /// combining marks none, and control characters show as `�` (a spec must not drive the
  /// terminal).
  private func snippet(_ range: SourceRange, in file: SourceFile, lines: [Range<Int>]) -> String {
    guard lines.indices.contains(range.start.line - 1) else { return "" }
    let line = file.text(of: lines[range.start.line - 1])
    var shown = ""
    var widths: [Int] = []
    var column = 0
    for scalar in line.unicodeScalars {
      let (text, width) = Self.cell(scalar, at: column)
      shown += text
      widths.append(width)
      column += width
    }
    let first = min(max(range.start.column, 1) - 1, widths.count)
    var marker = String(repeating: " ", count: widths[..<first].reduce(0, +)) + "^"
    if range.end.line == range.start.line, range.end.column > range.start.column + 1 {
      let last = min(range.end.column - 1, widths.count)
      let width = widths[first..<max(first, last)].reduce(0, +)
      marker += String(repeating: "~", count: max(0, width - 1))
    }
    return "  \(shown)\n  \(paint(marker, for: .note))\n"
  }

  /// What one scalar of a source line looks like, and how many terminal cells it takes.
  static func cell(_ scalar: Unicode.Scalar, at column: Int) -> (String, Int) {
    if scalar == "\t" {
      let width = 4 - column % 4
      return (String(repeating: " ", count: width), width)
    }
    if scalar.isForbiddenInSpecValue { return ("\u{FFFD}", 1) }
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return (String(scalar), 0)
    default: break
    }
    return (String(scalar), isWide(scalar) ? 2 : 1)
  }

  /// East Asian wide and fullwidth characters and emoji: two terminal cells.
  private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
      0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
      true
    default: false
    }
  }

  private func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }

  private func paint(_ s: String, for severity: Diagnostic.Severity) -> String {
    guard color else { return s }
    let code =
      switch severity {
      case .error: "31"
      case .warning: "35"
      case .note: "32"
      }
    return "\u{1B}[1;\(code)m\(s)\u{1B}[0m"
  }
}
