import Spec

/// A TOML value nodespec writes.
indirect enum TOMLValue: Equatable {
  case string(String)
  case bool(Bool)
  case integer(Int)
  /// A decimal float, already in TOML's grammar (the spec decoder checked it).
  case float(String)
  case array([TOMLValue])
  /// `{ key = value, … }`, in order: a table inside an array (`settings:` only).
  case inlineTable([TOMLField])
  /// A basic string whose body is the content of this node file, read at install time (a
  /// secret) and escaped for a TOML basic string there (`File.Content.Escaping`).
  case secretFile(path: String)
  /// A basic string `Basic <base64 of username:content>`, the content read from this node
  /// file at install time (a secret; `File.Content.Escaping.basicAuth`).
  case basicAuthFile(username: String, path: String)
}

/// One `key = value` of an inline table.
struct TOMLField: Equatable {
  var key: String
  var value: TOMLValue
}

/// Writes TOML the way its readers (containerd, nerdctl, BuildKit) parse it: one place that
/// quotes keys and escapes strings per the TOML 1.0 spec, so no value from a spec can break
/// out of its string or table.
///
/// Tables come in the order they are opened; keys in the order they are set. The output
/// starts with the generated-by comment every nodespec file carries.
struct TOMLWriter {
  private var parts: [File.Content.Part] = []
  private var out = ByteWriter(capacity: 1024)
  private var indented = false
  private var isSecret = false

  init() {
    out.write("# ")
    out.line(Paths.generatedHeader)
  }

  /// A `# comment` line (one line: newlines become spaces).
  mutating func comment(_ line: String) {
    writeIndent()
    out.write("# ")
    let flat = line.map { $0.isNewline ? " " : $0 }
    out.line(String(flat))
  }

  /// `[a."b.c".d]`, preceded by a blank line; following keys are indented by two spaces.
  mutating func table(_ path: [String]) {
    out.write("\n[")
    writePath(path)
    out.line("]")
    indented = true
  }

  /// `[[a.b]]`, an element of an array of tables.
  mutating func arrayTable(_ path: [String]) {
    out.write("\n[[")
    writePath(path)
    out.line("]]")
    indented = true
  }

  /// `key = value` in the current table (top level before the first `table`).
  mutating func set(_ key: String, _ value: TOMLValue) {
    writeIndent()
    Self.write(key: key, into: &out)
    out.write(" = ")
    write(value)
    out.newline()
  }

  /// The file content; secret when any `.secretFile` value (or `markSecret()`) was written.
  var content: File.Content {
    var all = parts
    if !out.isEmpty { all.append(.text(out.text)) }
    return File.Content(all, isSecret: isSecret)
  }

  /// Marks the content secret (a value came from the compiling machine's environment).
  mutating func markSecret() { isSecret = true }

  private mutating func writeIndent() {
    if indented { out.write("  ") }
  }

  private mutating func writePath(_ path: [String]) {
    for (index, key) in path.enumerated() {
      if index > 0 { out.write(byte: UInt8(ascii: ".")) }
      Self.write(key: key, into: &out)
    }
  }

  private mutating func write(_ value: TOMLValue) {
    switch value {
    case .string(let s): Self.write(basicString: s, into: &out)
    case .bool(let b): out.write(b ? "true" : "false")
    case .integer(let i): out.write(String(i))
    case .float(let f): out.write(f)
    case .inlineTable(let fields):
      out.write("{")
      for (i, field) in fields.enumerated() {
        out.write(i > 0 ? ", " : " ")
        Self.write(key: field.key, into: &out)
        out.write(" = ")
        write(field.value)
      }
      out.write(fields.isEmpty ? "}" : " }")
    case .array(let values):
      out.write("[")
      for (i, element) in values.enumerated() {
        if i > 0 { out.write(", ") }
        write(element)
      }
      out.write("]")
    case .secretFile(let path):
      out.write("\"")
      parts.append(.text(out.text))
      parts.append(.escapedSecretFile(path: path, escaping: .tomlBasicString))
      out = ByteWriter()
      out.write("\"")
      isSecret = true
    case .basicAuthFile(let username, let path):
      out.write("\"Basic ")
      parts.append(.text(out.text))
      parts.append(.escapedSecretFile(path: path, escaping: .basicAuth(username: username)))
      out = ByteWriter()
      out.write("\"")
      isSecret = true
    }
  }

  /// A bare key when it is one (`A-Za-z0-9_-`, non-empty), else a quoted basic string.
  static func key(_ key: String) -> String {
    var out = ByteWriter()
    write(key: key, into: &out)
    return out.text
  }

  private static func write(key: String, into out: inout ByteWriter) {
    let bare =
      !key.isEmpty
      && key.utf8.allSatisfy {
        ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
          || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
          || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
          || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
      }
    if bare { out.write(key) } else { write(basicString: key, into: &out) }
  }

  /// A TOML basic string: `"` and `\` escaped, every control character (U+0000 to U+001F and
  /// U+007F) as `\uXXXX`; everything else literal (TOML files are UTF-8). On UTF-8 bytes: the
  /// escaped characters are ASCII, and no byte of a multi-byte sequence is.
  static func basicString(_ s: String) -> String {
    var out = ByteWriter()
    write(basicString: s, into: &out)
    return out.text
  }

  private static let hexDigits = Array("0123456789ABCDEF".utf8)

  private static func write(basicString s: String, into out: inout ByteWriter) {
    out.write(byte: UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { bytes in
      var run = 0
      for index in bytes.indices {
        let byte = bytes[index]
        guard
          byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte == 0x7F
        else { continue }
        out.write(bytes: UnsafeBufferPointer(rebasing: bytes[run..<index]))
        out.write(byte: UInt8(ascii: "\\"))
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
          out.write(byte: byte)
        } else {
          out.write("u00")
          out.write(byte: hexDigits[Int(byte >> 4)])
          out.write(byte: hexDigits[Int(byte & 0xF)])
        }
        run = index + 1
      }
      out.write(bytes: UnsafeBufferPointer(rebasing: bytes[run...]))
    }
    out.write(byte: UInt8(ascii: "\""))
  }
}
