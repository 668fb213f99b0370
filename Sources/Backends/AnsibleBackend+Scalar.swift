import Spec

extension AnsibleBackend {
  /// How a string becomes a YAML scalar in the playbook.
  ///
  /// Two kinds of strings reach the playbook, and they must never be confused:
  /// - `literal`: a value that came from the Plan (a path, a file's bytes, a URL). Ansible
  ///   templates almost every string it reads, so one holding `{{`, `{%` or `{#` is tagged
  ///   `!unsafe`, which makes Ansible pass it through untouched.
  /// - `template`: a Jinja expression this backend wrote itself, never holding Plan text; Plan
  ///   values reach templates only through variables.
  ///
  /// Both are typed as strings: a value YAML would read as a number, boolean or null (`0644`,
  /// `1.2.2`, `on`, `~`) is double-quoted.
  enum Scalar {
    /// A Plan value, reaching the node byte for byte.
    static func literal(_ text: String) -> YAMLValue {
      .scalar(text, style: style(for: text), tag: holdsJinja(text) ? "!unsafe" : nil)
    }

    /// A file's content: a literal block when it spans lines, so the playbook stays readable.
    static func content(_ text: String) -> YAMLValue {
      // On the contiguous bytes: the generic `contains` on the UTF-8 view cost about 1,000
      // instructions for a file of a few hundred bytes.
      var bytes = text
      let multiline = bytes.withUTF8 { $0.contains(UInt8(ascii: "\n")) }
      return .scalar(
        text, style: multiline ? .literal : style(for: text),
        tag: holdsJinja(text) ? "!unsafe" : nil)
    }

    /// A Jinja expression written by this backend (never Plan text).
    static func template(_ text: String) -> YAMLValue {
      .scalar(text, style: style(for: text))
    }

    static func bool(_ value: Bool) -> YAMLValue {
      .scalar(value ? "true" : "false", style: .plain)
    }

    static func int(_ value: Int) -> YAMLValue { .scalar(String(value), style: .plain) }

    /// A permission mode as Ansible wants it: a quoted octal string such as `"0644"` (an
    /// unquoted `0644` would be read as the integer 420 by some YAML loaders and 644 by others).
    static func mode(_ mode: Int) -> YAMLValue {
      guard (0..<0o10000).contains(mode) else {
        let digits = String(mode, radix: 8)
        return .scalar(
          String(repeating: "0", count: max(0, 4 - digits.count)) + digits,
          style: .doubleQuoted)
      }
      // Four octal digits, made from their bytes: `String(_:radix:)` and padding cost about
      // 20 times as much, for a hundred modes a playbook.
      let digits = String(unsafeUninitializedCapacity: 4) { digits in
        for (index, shift) in [9, 6, 3, 0].enumerated() {
          digits[index] = UInt8(ascii: "0") + UInt8((mode >> shift) & 7)
        }
        return 4
      }
      return .scalar(digits, style: .doubleQuoted)
    }

    static func list(_ items: [String]) -> YAMLValue { .sequence(items.map(literal)) }

    /// Whether the text can be a mapping key: keys cannot carry `!unsafe`, so one Ansible
    /// would template cannot be protected (`YAMLEmitter` quotes keys YAML would retype).
    static func isSafeKey(_ text: String) -> Bool { !holdsJinja(text) }

    /// Whether Ansible would see a Jinja construct in the text: `{{`, `{%` or `{#`.
    static func holdsJinja(_ text: String) -> Bool {
      text.withUTF8Bytes { bytes in
        // `memchr` finds each `{` (a word at a time, where a byte loop cost about five
        // instructions a byte: 0.16 M over the write-up's scalars), then the byte after it
        // is looked at. A `{` as the last byte starts nothing.
        var from = 0
        while let brace = bytes.firstIndex(of: UInt8(ascii: "{"), from: from),
          brace + 1 < bytes.count
        {
          let next = bytes[brace + 1]
          if next == UInt8(ascii: "{") || next == UInt8(ascii: "%") || next == UInt8(ascii: "#") {
            return true
          }
          from = brace + 1
        }
        return false
      }
    }

    /// Double-quoted when YAML 1.1 would read the plain form as something else than this
    /// string (`yes`, `0755`, the empty string); else plain where the emitter allows it: it
    /// quotes what would not parse plain (`: `, ` #`, leading indicators) and escapes control
    /// characters and line breaks in double quotes. (`.plain`, not `.any`: the emitter would
    /// only ask `wouldRetype` again.)
    private static func style(for text: String) -> YAMLValue.Style {
      YAMLEmitter.wouldRetype(text) ? .doubleQuoted : .plain
    }
  }
}
