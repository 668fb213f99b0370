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
  /// Works on UTF-8 bytes: the three bytes it escapes are ASCII, and no byte of a multi-byte
  /// sequence is, so a `'` followed by a combining mark (one Character to Swift) is still
  /// escaped, as bash sees a quote there.
  static func quote(_ value: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(value.utf8.count + 2)
    out.append(UInt8(ascii: "'"))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "'"), UInt8(ascii: "$"), UInt8(ascii: "`"):
        out += [UInt8(ascii: "'"), UInt8(ascii: "\\"), byte, UInt8(ascii: "'")]
      default:
        out.append(byte)
      }
    }
    out.append(UInt8(ascii: "'"))
    return String(decoding: out, as: UTF8.self)
  }

  /// Quotes every value and joins them with spaces, for an argument list.
  static func quote(_ values: [String]) -> String {
    values.map { quote($0) }.joined(separator: " ")
  }

  /// A heredoc delimiter that no line of `body` equals, so a quoted heredoc (`<<'DELIM'`)
  /// carries `body` byte for byte. Lines are compared as bytes: bash ends a heredoc only at a
  /// line that is exactly the delimiter, and Swift's `==` would treat `\r\n` as one character.
  static func heredocDelimiter(for body: String, base: String = "NODESPEC_EOF") -> String {
    var candidate = base
    var counter = 1
    while hasLine(Array(candidate.utf8), in: body) {
      counter += 1
      candidate = "\(base)_\(counter)"
    }
    return candidate
  }

  /// Whether a line of `body` (split at `\n`) is exactly `line`.
  private static func hasLine(_ line: [UInt8], in body: String) -> Bool {
    var start = body.utf8.startIndex
    let end = body.utf8.endIndex
    while true {
      let next = body.utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? end
      if body.utf8[start..<next].elementsEqual(line) { return true }
      guard next != end else { return false }
      start = body.utf8.index(after: next)
    }
  }

  /// `text` made safe for one comment line: control characters (a newline would end the
  /// comment and start code) become spaces.
  ///
  /// On UTF-8 bytes: the control characters are U+0000 to U+001F and U+007F (one byte each)
  /// and U+0080 to U+009F (`C2 80` to `C2 9F`); each becomes one space.
  static func commentText(_ text: String) -> String {
    let bytes = text.utf8
    func isControlLead(_ index: String.UTF8View.Index) -> Bool {
      let byte = bytes[index]
      if byte < 0x20 || byte == 0x7F { return true }
      guard byte == 0xC2 else { return false }
      let after = bytes.index(after: index)
      return after != bytes.endIndex && (0x80...0x9F).contains(bytes[after])
    }
    // Most text has none: return it as it is.
    guard bytes.indices.contains(where: isControlLead) else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = bytes.startIndex
    while index != bytes.endIndex {
      if isControlLead(index) {
        out.append(UInt8(ascii: " "))
        index = bytes.index(index, offsetBy: bytes[index] == 0xC2 ? 2 : 1)
      } else {
        out.append(bytes[index])
        index = bytes.index(after: index)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Whether `value` holds a NUL byte, which no bash word or heredoc can carry.
  static func containsNUL(_ value: String) -> Bool { value.utf8.contains(0) }
}
