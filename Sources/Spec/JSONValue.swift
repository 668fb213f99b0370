/// A JSON document, written deterministically: object keys sorted by their UTF-8 bytes (which
/// is code point order), two-space indentation, byte for byte what Python's
/// `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` writes, so a reader can
/// check the bytes by parsing and dumping them again.
public indirect enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSONValue])
  /// Keys are unique; their order here does not matter.
  case object([String: JSONValue])

  /// The document, ending in a line break.
  public var text: String {
    var out: [UInt8] = []
    write(into: &out, indent: 0)
    out.append(UInt8(ascii: "\n"))
    return String(decoding: out, as: UTF8.self)
  }

  private func write(into out: inout [UInt8], indent: Int) {
    switch self {
    case .null: out += Array("null".utf8)
    case .bool(let value): out += Array((value ? "true" : "false").utf8)
    case .int(let value): out += Array(String(value).utf8)
    case .string(let value): Self.quote(value, into: &out)
    case .array(let values):
      if values.isEmpty {
        out += Array("[]".utf8)
        return
      }
      out.append(UInt8(ascii: "["))
      for (index, value) in values.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        Self.newline(into: &out, indent: indent + 1)
        value.write(into: &out, indent: indent + 1)
      }
      Self.newline(into: &out, indent: indent)
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      if members.isEmpty {
        out += Array("{}".utf8)
        return
      }
      out.append(UInt8(ascii: "{"))
      let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      for (index, key) in keys.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        Self.newline(into: &out, indent: indent + 1)
        Self.quote(key, into: &out)
        out += Array(": ".utf8)
        // The key came from `members`.
        members[key]?.write(into: &out, indent: indent + 1)
      }
      Self.newline(into: &out, indent: indent)
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func newline(into out: inout [UInt8], indent: Int) {
    out.append(UInt8(ascii: "\n"))
    out += repeatElement(UInt8(ascii: " "), count: 2 * indent)
  }

  private static let hex = Array("0123456789abcdef".utf8)

  /// A JSON string (RFC 8259): `"` and `\` escaped, control characters as Python writes
  /// them (`\n`, `\t`, … or `\u00XX`), everything else as UTF-8.
  private static func quote(_ text: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
      case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
      case 0..<0x20:
        out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
