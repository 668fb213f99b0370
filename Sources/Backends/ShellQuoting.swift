import Spec

/// How Plan values reach a bash script: as single-quoted words, as quoted heredoc bodies, or
/// as comment text. The shell and cloud-init targets share it so that both quote the same way.
///
/// Each is written straight onto the output (`ByteWriter.write(shellWord:)` and the others
/// below); the `String`-returning forms are for the few places that need a value.
enum ShellQuoting {
  /// `value` as one single-quoted bash word (see `ByteWriter.write(shellWord:)`).
  static func quote(_ value: String) -> String {
    var out = ByteWriter(capacity: value.utf8.count + 2)
    out.write(shellWord: value)
    return out.text
  }

  /// Quotes every value and joins them with spaces, for an argument list.
  static func quote(_ values: [String]) -> String {
    var out = ByteWriter()
    out.write(shellWords: values)
    return out.text
  }

  /// A heredoc delimiter that no line of `body` equals, so a quoted heredoc (`<<'DELIM'`)
  /// carries `body` byte for byte. Lines are compared as bytes: bash ends a heredoc only at a
  /// line that is exactly the delimiter, and Swift's `==` would treat `\r\n` as one character.
  static func heredocDelimiter(for body: String, base: String = "NODESPEC_EOF") -> String {
    var body = body
    return body.withUTF8 { heredocDelimiter(for: $0, base: base) }
  }

  /// `heredocDelimiter(for:base:)` of a body given as UTF-8.
  static func heredocDelimiter(
    for body: UnsafeBufferPointer<UInt8>, base: String = "NODESPEC_EOF"
  ) -> String {
    var candidate = base
    var counter = 1
    while hasLine(Array(candidate.utf8), in: body) {
      counter += 1
      candidate = "\(base)_\(counter)"
    }
    return candidate
  }

  /// Whether a line of `body` (split at `\n`) is exactly `line`.
  private static func hasLine(_ line: [UInt8], in body: UnsafeBufferPointer<UInt8>) -> Bool {
    var start = 0
    while true {
      let next = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
      if next - start == line.count, body[start..<next].elementsEqual(line) { return true }
      guard next != body.endIndex else { return false }
      start = next + 1
    }
  }

  /// `text` made safe for one comment line (see `ByteWriter.write(comment:)`).
  static func commentText(_ text: String) -> String {
    var out = ByteWriter(capacity: text.utf8.count)
    out.write(comment: text)
    return out.text
  }

  /// Whether `value` holds a NUL byte, which no bash word or heredoc can carry.
  /// The plan's files add up to tens of KB: `memchr` reads them a word at a time, where the
  /// UTF-8 view's iterator costs several instructions a byte (0.25 M on the write-up's setup).
  static func containsNUL(_ value: String) -> Bool {
    value.withUTF8Bytes { $0.firstIndex(of: 0, from: 0) != nil }
  }
}

extension ByteWriter {
  /// Writes `value` as one single-quoted bash word: every byte is literal inside `'…'`, and a
  /// `'` becomes `'\''` (close, escaped quote, reopen). Nothing in the value is ever expanded.
  ///
  /// `$` and `` ` `` are literal inside single quotes too, but shellcheck (SC2016) takes them
  /// for a forgotten expansion; they leave the quotes the same way, as `'\$'`, so the output
  /// lints clean without a blanket exception. Works on UTF-8 bytes: the three bytes it
  /// escapes are ASCII, and no byte of a multi-byte sequence is, so a `'` followed by a
  /// combining mark (one Character to Swift) is still escaped, as bash sees a quote there.
  mutating func write(shellWord value: String) {
    write(byte: UInt8(ascii: "'"))
    var value = value
    value.withUTF8 { bytes in
      var run = 0
      for index in bytes.indices {
        let byte = bytes[index]
        guard byte == UInt8(ascii: "'") || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "`")
        else { continue }
        write(bytes: UnsafeBufferPointer(rebasing: bytes[run..<index]))
        write(byte: UInt8(ascii: "'"))
        write(byte: UInt8(ascii: "\\"))
        write(byte: byte)
        write(byte: UInt8(ascii: "'"))
        run = index + 1
      }
      write(bytes: UnsafeBufferPointer(rebasing: bytes[run...]))
    }
    write(byte: UInt8(ascii: "'"))
  }

  /// Writes every value as a shell word, separated by spaces: an argument list.
  mutating func write(shellWords values: [String]) {
    for (index, value) in values.enumerated() {
      if index > 0 { write(byte: UInt8(ascii: " ")) }
      write(shellWord: value)
    }
  }

  /// Writes `text` made safe for one comment line: control characters (a newline would end
  /// the comment and start code) become spaces.
  ///
  /// On UTF-8 bytes: the control characters are U+0000 to U+001F and U+007F (one byte each)
  /// and U+0080 to U+009F (`C2 80` to `C2 9F`); each becomes one space. Text written in
  /// pieces is made safe alike: a piece of valid UTF-8 cannot end inside a `C2` sequence.
  mutating func write(comment text: String) {
    var text = text
    text.withUTF8 { bytes in
      var run = 0
      var index = 0
      while index < bytes.count {
        let byte = bytes[index]
        let length: Int
        if byte < 0x20 || byte == 0x7F {
          length = 1
        } else if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
          length = 2
        } else {
          index += 1
          continue
        }
        write(bytes: UnsafeBufferPointer(rebasing: bytes[run..<index]))
        write(byte: UInt8(ascii: " "))
        index += length
        run = index
      }
      write(bytes: UnsafeBufferPointer(rebasing: bytes[run...]))
    }
  }
}
