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
  private var text = ""
  private var indent = ""
  private var isSecret = false

  init() {
    text = "# \(Paths.generatedHeader)\n"
  }

  /// A `# comment` line (one line: newlines become spaces).
  mutating func comment(_ line: String) {
    let flat = line.map { $0.isNewline ? " " : $0 }
    text += "\(indent)# \(String(flat))\n"
  }

  /// `[a."b.c".d]`, preceded by a blank line; following keys are indented by two spaces.
  mutating func table(_ path: [String]) {
    text += "\n[\(path.map(Self.key).joined(separator: "."))]\n"
    indent = "  "
  }

  /// `[[a.b]]`, an element of an array of tables.
  mutating func arrayTable(_ path: [String]) {
    text += "\n[[\(path.map(Self.key).joined(separator: "."))]]\n"
    indent = "  "
  }

  /// `key = value` in the current table (top level before the first `table`).
  mutating func set(_ key: String, _ value: TOMLValue) {
    text += "\(indent)\(Self.key(key)) = "
    write(value)
    text += "\n"
  }

  /// The file content; secret when any `.secretFile` value (or `markSecret()`) was written.
  var content: File.Content {
    var all = parts
    if !text.isEmpty { all.append(.text(text)) }
    return File.Content(all, isSecret: isSecret)
  }

  /// Marks the content secret (a value came from the compiling machine's environment).
  mutating func markSecret() { isSecret = true }

  private mutating func write(_ value: TOMLValue) {
    switch value {
    case .string(let s): text += Self.basicString(s)
    case .bool(let b): text += b ? "true" : "false"
    case .integer(let i): text += String(i)
    case .float(let f): text += f
    case .inlineTable(let fields):
      text += "{"
      for (i, field) in fields.enumerated() {
        text += i > 0 ? ", " : " "
        text += "\(Self.key(field.key)) = "
        write(field.value)
      }
      text += fields.isEmpty ? "}" : " }"
    case .array(let values):
      text += "["
      for (i, element) in values.enumerated() {
        if i > 0 { text += ", " }
        write(element)
      }
      text += "]"
    case .secretFile(let path):
      text += "\""
      parts.append(.text(text))
      parts.append(.escapedSecretFile(path: path, escaping: .tomlBasicString))
      text = "\""
      isSecret = true
    case .basicAuthFile(let username, let path):
      text += "\"Basic "
      parts.append(.text(text))
      parts.append(.escapedSecretFile(path: path, escaping: .basicAuth(username: username)))
      text = "\""
      isSecret = true
    }
  }

  /// A bare key when it is one (`A-Za-z0-9_-`, non-empty), else a quoted basic string.
  static func key(_ key: String) -> String {
    let bare =
      !key.isEmpty
      && key.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "_" || $0 == "-"
      }
    return bare ? key : basicString(key)
  }

  /// A TOML basic string: `"` and `\` escaped, every control character (U+0000 to U+001F and
  /// U+007F) as `\uXXXX`; everything else literal (TOML files are UTF-8).
  static func basicString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\u{0}"..."\u{1F}", "\u{7F}":
        let hex = String(scalar.value, radix: 16, uppercase: true)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
