/// How Plan values reach a bash script: as single-quoted words, as quoted heredoc bodies, or
/// as comment text. The shell and cloud-init targets share it so that both quote the same way.
enum ShellQuoting {
  /// `value` as one single-quoted bash word: every byte is literal inside `'…'`, and a `'`
  /// becomes `'\''` (close, escaped quote, reopen). Nothing in the value is ever expanded.
  ///
  /// `$` and `` ` `` are literal inside single quotes too, but shellcheck (SC2016) takes them
  /// for a forgotten expansion; they leave the quotes the same way, as `'\$'`, so the output
  /// lints clean without a blanket exception. Works on Unicode scalars, not Characters: a
  /// `'` followed by a combining mark is one Character to Swift but still a quote to bash.
  static func quote(_ value: String) -> String {
    var out = String.UnicodeScalarView()
    out.append("'")
    for scalar in value.unicodeScalars {
      switch scalar {
      case "'", "$", "`":
        out.append("'")
        out.append("\\")
        out.append(scalar)
        out.append("'")
      default:
        out.append(scalar)
      }
    }
    out.append("'")
    return String(out)
  }

  /// Quotes every value and joins them with spaces, for an argument list.
  static func quote(_ values: [String]) -> String {
    values.map { quote($0) }.joined(separator: " ")
  }

  /// A heredoc delimiter that no line of `body` equals, so a quoted heredoc (`<<'DELIM'`)
  /// carries `body` byte for byte. Lines are compared as bytes: bash ends a heredoc only at a
  /// line that is exactly the delimiter, and Swift's `==` would treat `\r\n` as one character.
  static func heredocDelimiter(for body: String, base: String = "NODESPEC_EOF") -> String {
    let lines = Set(
      body.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .map { Array($0) })
    var candidate = base
    var counter = 1
    while lines.contains(Array(candidate.utf8)) {
      counter += 1
      candidate = "\(base)_\(counter)"
    }
    return candidate
  }

  /// `text` made safe for one comment line: control characters (a newline would end the
  /// comment and start code) become spaces.
  static func commentText(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
  }

  /// Whether `value` holds a NUL byte, which no bash word or heredoc can carry.
  static func containsNUL(_ value: String) -> Bool { value.utf8.contains(0) }
}
