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
      let multiline = text.contains("\n")
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
      let digits = String(mode, radix: 8)
      return .scalar(
        String(repeating: "0", count: max(0, 4 - digits.count)) + digits,
        style: .doubleQuoted)
    }

    static func list(_ items: [String]) -> YAMLValue { .sequence(items.map(literal)) }

    /// Whether the text can be a mapping key: keys cannot carry `!unsafe`, so one Ansible
    /// would template cannot be protected (`YAMLEmitter` quotes keys YAML would retype).
    static func isSafeKey(_ text: String) -> Bool { !holdsJinja(text) }

    /// Whether Ansible would see a Jinja construct in the text.
    static func holdsJinja(_ text: String) -> Bool {
      text.contains("{{") || text.contains("{%") || text.contains("{#")
    }

    /// Plain when YAML reads the plain form back as this very string, else double-quoted.
    /// libyaml itself falls back to quoting when a plain scalar would not parse (`: `, `#`,
    /// leading indicators); what it cannot know is that `yes` or `0755` would change type.
    ///
    /// Text with line breaks or other control characters is double-quoted (escaped, on one
    /// line), and so is text ending like a block-scalar header: `Indentation` relies on both.
    private static func style(for text: String) -> YAMLValue.Style {
      guard !text.isEmpty else { return .doubleQuoted }
      if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        || Indentation.isBlockHeader(text)
      {
        return .doubleQuoted
      }
      return YAMLEmitter.wouldRetype(text) ? .doubleQuoted : .any
    }
  }
}
