extension Unicode.Scalar {
  /// True for characters no spec value may hold: C0 controls (tab and line feed included), DEL,
  /// C1 controls, the line and paragraph separators, and the bidirectional overrides that make
  /// text read differently from what it is ("Trojan Source").
  var isForbiddenInSpecValue: Bool {
    switch value {
    case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
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
