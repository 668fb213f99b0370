/// The secret a URL can carry in its authority: the password of `user:password@host`, or the
/// whole user part of `token@host` (a user name alone is often a token). No URL of a spec may
/// hold one (`invalid-url`), and no diagnostic prints one: the decoder names such a URL
/// masked, and the renderer masks the secret of any `scheme://…@` in every message, note,
/// hint and excerpt (an excerpt of the URL's line can come from any diagnostic, a control
/// character's included).
public enum URLCredentials {
  /// What a masked secret reads as in a message.
  static let mask = "****"

  /// The scalar offsets of the secrets in `text`: of each URL with a scheme (`://`) that
  /// starts within the first `limit` scalars, and with `bare`, of `text` itself read as a URL
  /// that may lack its scheme (`user:pass@host/path`). Delimiters are ASCII, so this works on
  /// scalars, the unit a source line's columns count.
  static func secrets(
    in text: String.UnicodeScalarView, limit: Int = .max, bare: Bool = false
  ) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var start: Int? = bare ? 0 : nil
    var colon: Int?
    var at: Int?
    var previous: (Unicode.Scalar, Unicode.Scalar) = (" ", " ")
    func close() {
      if let begin = start, let at {
        let secret = colon.map { $0 < at ? ($0 + 1)..<at : begin..<at } ?? begin..<at
        if !secret.isEmpty { found.append(secret) }
      }
      (start, colon, at) = (nil, nil, nil)
    }
    var offset = 0
    for scalar in text {
      if start != nil {
        if isAuthorityEnd(scalar) {
          close()
        } else if scalar == "@" {
          at = offset
        } else if scalar == ":", colon == nil {
          colon = offset
        }
      } else if offset >= limit {
        break
      }
      if start == nil, scalar == "/", previous == (":", "/") { start = offset + 1 }
      previous = (previous.1, scalar)
      offset += 1
    }
    close()
    return found
  }

  /// `text` with the secret of each URL in it replaced by `****`; with `bare`, `text` is one
  /// URL that may lack its scheme.
  public static func masked(_ text: String, bare: Bool = false) -> String {
    let secrets = self.secrets(in: text.unicodeScalars, bare: bare)
    guard !secrets.isEmpty else { return text }
    var out = String.UnicodeScalarView()
    var next = secrets.makeIterator()
    var secret = next.next()
    for (offset, scalar) in text.unicodeScalars.enumerated() {
      if let range = secret, range.contains(offset) {
        if offset == range.lowerBound { out.append(contentsOf: mask.unicodeScalars) }
        if offset == range.upperBound - 1 { secret = next.next() }
        continue
      }
      out.append(scalar)
    }
    return String(out)
  }

  /// Whether `text`, read as one URL that may lack its scheme, holds a secret.
  public static func holdsSecret(_ text: String) -> Bool {
    !secrets(in: text.unicodeScalars, bare: true).isEmpty
  }

  /// Where an authority ends: its path, query or fragment, or what ends a URL in a line of
  /// YAML (a blank, a quote, a flow collection's `,` or brace).
  private static func isAuthorityEnd(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "/", "?", "#", "\"", "'", "<", ">", "`", "\\", ",", "{", "}": true
    // Unicode's White_Space in ASCII is tab to carriage return and the space, all at or
    // below 0x20: the property table (300 instructions a call) is asked only about the rest.
    default: scalar.isASCII ? scalar.value <= 0x20 : scalar.properties.isWhitespace
    }
  }
}
