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
    render([diagnostic], in: [file])
  }

  /// Each diagnostic in turn, in the order given.
  public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
    render(diagnostics, in: [file])
  }

  /// Each diagnostic in turn, in the order given, each range shown in the file it names
  /// (`SourceRange.file`, the `SourceFile.id`; the first file is the spec itself, where a
  /// diagnostic without a position is reported). A diagnostic in a base ends with a note at
  /// each `extends` entry that leads to it.
  public func render(_ diagnostics: [Diagnostic], in files: [SourceFile]) -> String {
    // Split each file into lines once, not once per snippet: a hostile file can carry
    // thousands of problems.
    var sources: [Int: Source] = [:]
    for file in files where sources[file.id] == nil {
      sources[file.id] = Source(file: file, lines: file.lineRanges())
    }
    // A secret one diagnostic points at must not show in another one's snippet of its line.
    let redacted = diagnostics.flatMap(\.redacted)
    let context = Context(sources: sources, main: files.first?.id ?? 0, redacted: redacted)
    return diagnostics.map { render($0, context) }.joinedUTF8()
  }

  /// A file and its lines.
  private struct Source {
    var file: SourceFile
    var lines: [Range<Int>]
  }

  /// What every diagnostic of one report is rendered with.
  private struct Context {
    var sources: [Int: Source]
    var main: Int
    var redacted: [SourceRange]

    func path(_ range: SourceRange?) -> String {
      sources[range?.file ?? main]?.file.path ?? "<unknown>"
    }
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
    return counts.joinedUTF8(separator: ", ") + strictly + "\n"
  }

  private func render(_ diagnostic: Diagnostic, _ context: Context) -> String {
    var out = ""
    let label = diagnostic.severity.rawValue
    let position: String
    if let range = diagnostic.range {
      position = "\(context.path(range)):\(range.start.line):\(range.start.column)"
    } else {
      position = context.path(nil)
    }
    out +=
      bold("\(position): ") + paint(label + ":", for: diagnostic.severity) + " "
      + bold(URLCredentials.masked(diagnostic.message)) + " [\(diagnostic.id)]\n"
    if let range = diagnostic.range {
      out += snippet(range, context)
    }
    var notes = diagnostic.notes
    // Up the `extends` chain from the file the problem is in to the spec itself (a bounded
    // walk: the loader refuses cycles and deep chains).
    var file = diagnostic.range.flatMap { context.sources[$0.file]?.file }
    var seen: Set<Int> = []
    while let base = file, let at = base.extendedAt, seen.insert(base.id).inserted {
      let parent = context.path(at)
      notes.append(.init("`\(base.path)` is extended by `\(parent)`", at: at))
      file = context.sources[at.file]?.file
    }
    for note in notes {
      if let range = note.range {
        out +=
          "\(context.path(range)):\(range.start.line):\(range.start.column): note: "
          + "\(URLCredentials.masked(note.message))\n"
        out += snippet(range, context)
      } else {
        out += "  note: \(URLCredentials.masked(note.message))\n"
      }
    }
    if let hint = diagnostic.hint {
      out += "  " + paint("hint:", for: .note) + " \(URLCredentials.masked(hint))\n"
    }
    return out
  }

  /// Cells of a source line shown before the caret, and in all, when the line is cut: a
  /// diagnostic at the end of a 1 MB line prints a line of a terminal's width, not 2 MB.
  static let windowBefore = 40
  static let windowWidth = 120

  /// The source line, then a caret under the start and tildes to the end of the range (on the
  /// same line). A line longer than `windowWidth` cells is cut to a window around the caret,
  /// with `…` where text is left out.
  ///
  /// The line is drawn cell by cell so that the caret line matches it on a terminal: tabs
  /// expand to the next multiple of 4, wide (East Asian, emoji) characters take two cells,
  /// combining marks none, and control and invisible characters show as `�` in one cell (a
  /// spec must not drive the terminal, and the caret must point at what it reports).
  private func snippet(_ range: SourceRange, _ context: Context) -> String {
    guard let source = context.sources[range.file],
      source.lines.indices.contains(range.start.line - 1)
    else { return "" }
    let number = range.start.line
    let line = source.file.text(of: source.lines[number - 1])
    let redacted = context.redacted
    let first = max(range.start.column, 1) - 1
    // A URL's password shows in no excerpt, whichever diagnostic points at its line.
    let secrets = URLCredentials.secrets(
      in: line.unicodeScalars, limit: first + Self.windowWidth)
    let last =
      range.end.line == range.start.line && range.end.column > range.start.column + 1
      ? range.end.column - 1 : first + 1
    // The cells of the line up to where any window around the caret ends (a cell is at least
    // one scalar wide or zero, so `windowWidth` scalars past the caret are enough).
    var cells: [(text: String, width: Int)] = []
    var column = 0
    var complete = true
    for (index, scalar) in line.unicodeScalars.enumerated() {
      if index >= first + Self.windowWidth {
        complete = false
        break
      }
      let here = SourceLocation(line: number, column: index + 1)
      let hidden =
        redacted.contains { $0.contains(here, file: range.file) }
        || secrets.contains { $0.contains(index) }
      let cell = hidden ? ("*", 1) : Self.cell(scalar, at: column)
      column += cell.1
      cells.append(cell)
    }
    let caret = min(first, cells.count)
    var start = 0
    var end = cells.count
    if !complete || column > Self.windowWidth {
      // A window: up to `windowBefore` cells before the caret, `windowWidth` in all.
      var width = 0
      start = caret
      while start > 0, width + cells[start - 1].width <= Self.windowBefore {
        start -= 1
        width += cells[start].width
      }
      end = caret
      while end < cells.count, width + cells[end].width <= Self.windowWidth {
        width += cells[end].width
        end += 1
      }
    }
    let cutBefore = start > 0
    let cutAfter = end < cells.count || !complete
    let shown =
      (cutBefore ? "…" : "") + cells[start..<end].map(\.text).joinedUTF8() + (cutAfter ? "…" : "")
    let before = cells[start..<max(start, caret)].reduce(0) { $0 + $1.width }
    let offset = (cutBefore ? 1 : 0) + before
    var marker = String(repeating: " ", count: offset) + "^"
    let tildeEnd = min(max(last, caret), end)
    if tildeEnd > caret + 1 {
      let width = cells[caret..<tildeEnd].reduce(0) { $0 + $1.width }
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
