extension Unicode.Scalar {
  /// True for characters no spec value may hold, even written as an escape (`"\u202E"`): C0
  /// controls (tab and line feed included), DEL, and every character `isHiddenInSource` (C1
  /// controls, the line and paragraph separators, the bidirectional controls that make text
  /// read differently from what it is, "Trojan Source", and the other invisible ones).
  var isForbiddenInSpecValue: Bool {
    switch value {
    case 0x00...0x1F, 0x7F: true
    default: isHiddenInSource
    }
  }

  /// True for characters a spec file may not hold anywhere, comments included, because people
  /// and tools see them differently: C1 controls, NEL (U+0085), LS (U+2028) and PS (U+2029),
  /// which end a line for libyaml but not for editors, diffs and review tools (so a "comment"
  /// can hide a key); and every invisible format character (category Cf: the bidirectional
  /// controls, zero-width characters, soft hyphen, tag characters, a byte order mark after
  /// the start), plus the Hangul fillers, which render as nothing.
  var isHiddenInSource: Bool {
    switch value {
    case 0x00...0x7F, 0xA0...0xAC, 0xAE...0x2FF: false
    case 0x80...0x9F, 0x2028, 0x2029, 0x115F, 0x1160, 0x3164, 0xFFA0: true
    default: properties.generalCategory == .format
    }
  }

  /// `U+0085 NEXT LINE`: the code point and its Unicode name, for diagnostics.
  var codePointAndName: String {
    let name: String? =
      switch value {
      case 0x85: "NEXT LINE"
      case 0x80...0x9F: "C1 CONTROL"
      case 0xFEFF: "BYTE ORDER MARK"
      default: properties.name
      }
    return name.map { "\(codePoint(self)) \($0)" } ?? codePoint(self)
  }
}

/// User text made safe to put inside a diagnostic message: forbidden characters become
/// `\u{…}` escapes (so a spec cannot drive the terminal) and long text is shortened.
func display(_ text: String, limit: Int = 60) -> String {
  var out = ""
  var count = 0
  for scalar in text.unicodeScalars {
    if count == limit {
      out += "…"
      break
    }
    if scalar.isForbiddenInSpecValue {
      out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    } else {
      out.unicodeScalars.append(scalar)
    }
    count += 1
  }
  return out
}
