/// Renders diagnostics the way compilers do:
///
///     node.yaml:4:3: error: unknown key `compnents` [unknown-key]
///       compnents:
///       ^~~~~~~~~
///       hint: did you mean `components`?
public struct DiagnosticRenderer: Sendable {
  public var color: Bool

  public init(color: Bool) { self.color = color }

  public func render(_ diagnostic: Diagnostic, in file: SourceFile) -> String {
    var out = ""
    let label = diagnostic.severity.rawValue
    let where_: String
    if let range = diagnostic.range {
      where_ = "\(file.path):\(range.start.line):\(range.start.column)"
    } else {
      where_ = file.path
    }
    out += bold("\(where_): ") + paint(label + ":", for: diagnostic.severity) + " "
      + bold(diagnostic.message) + " [\(diagnostic.id)]\n"
    if let range = diagnostic.range { out += snippet(range, in: file) }
    for note in diagnostic.notes {
      if let range = note.range {
        out += "\(file.path):\(range.start.line):\(range.start.column): note: \(note.message)\n"
        out += snippet(range, in: file)
      } else {
        out += "  note: \(note.message)\n"
      }
    }
    if let hint = diagnostic.hint { out += "  " + paint("hint:", for: .note) + " \(hint)\n" }
    return out
  }

  public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
    diagnostics.map { render($0, in: file) }.joined()
  }

  /// The source line, then a caret under the start and tildes to the end of the range (on the
  /// same line).
  private func snippet(_ range: SourceRange, in file: SourceFile) -> String {
    guard let line = file.line(range.start.line) else { return "" }
    // Tabs keep their width in the caret line so the caret lines up.
    let scalars = Array(line.unicodeScalars)
    let visible = String(String.UnicodeScalarView(scalars.map { $0 == "\t" ? " " : $0 }))
    var marker = ""
    let startColumn = max(1, range.start.column)
    for scalar in scalars.prefix(startColumn - 1) { marker += scalar == "\t" ? "\t" : " " }
    marker += "^"
    if range.end.line == range.start.line, range.end.column > startColumn + 1 {
      let width = min(range.end.column, scalars.count + 1) - startColumn - 1
      if width > 0 { marker += String(repeating: "~", count: width) }
    }
    return "  \(visible)\n  \(paint(marker, for: .note))\n"
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
