/// The grammars of spec values, as pure predicates. The decoder reports; these only decide.
enum SpecGrammar {
  /// `2.0.0`, `1.10`, `2.1.0-rc.1`: digits and dots, then an optional `-suffix` of
  /// dot-separated alphanumeric parts. No leading `v` (the decoder strips it first).
  static func isVersion(_ text: String) -> Bool {
    let (core, suffix) = split(text, at: "-")
    let coreParts = core.split(separator: ".", omittingEmptySubsequences: false)
    guard coreParts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
      return false
    }
    guard let suffix else { return true }
    return suffix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
      !$0.isEmpty && $0.allSatisfy { $0.isASCIIAlphanumeric }
    }
  }

  /// 64 hexadecimal digits, either case.
  static func isSHA256(_ text: String) -> Bool {
    text.utf8.count == 64 && text.allSatisfy(\.isASCIIHexDigit)
  }

  /// A spec label: 1 to 63 of `A-Z a-z 0-9 . _ -`.
  static func isName(_ text: String) -> Bool {
    (1...63).contains(text.utf8.count)
      && text.allSatisfy { $0.isASCIIAlphanumeric || "._-".contains($0) }
  }

  /// A Linux account name as `useradd` accepts it portably: `^[a-z_][a-z0-9_-]{0,31}$`.
  static func isUser(_ text: String) -> Bool {
    guard let first = text.first, first == "_" || ("a"..."z").contains(first) else { return false }
    return text.utf8.count <= 32
      && text.allSatisfy { ("a"..."z").contains($0) || $0.isASCIIDigit || "_-".contains($0) }
  }

  /// An environment variable name: `^[A-Za-z_][A-Za-z0-9_]*$`.
  static func isEnvironmentName(_ text: String) -> Bool {
    guard let first = text.first, first == "_" || first.isASCIILetter else { return false }
    return text.allSatisfy { $0 == "_" || $0.isASCIIAlphanumeric }
  }

  /// An HTTP header name: a `token` of RFC 9110.
  static func isHeaderName(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCIIAlphanumeric || "!#$%&'*+-.^_`|~".contains($0) }
  }

  /// Why `text` is not an absolute path without `..` segments, or nil when it is one.
  static func pathProblem(_ text: String) -> String? {
    guard text.hasPrefix("/") else { return "is not absolute" }
    if text.split(separator: "/").contains("..") { return "contains a `..` segment" }
    return nil
  }

  /// Why `text` is not a path inside the spec's folder (relative, no `..`, no empty or `.`
  /// segment), or nil. Symlinks that lead out are the reader's to refuse.
  static func localPathProblem(_ text: String) -> String? {
    if text.isEmpty { return "is empty" }
    if text.hasPrefix("/") { return "is absolute; a `local` path is relative to the spec" }
    if text.utf8.contains(0) { return "contains NUL" }
    let segments = text.split(separator: "/", omittingEmptySubsequences: false)
    if segments.contains("..") { return "contains a `..` segment" }
    if segments.contains(where: { $0.isEmpty || $0 == "." }) {
      return "contains an empty or `.` segment"
    }
    return nil
  }

  /// A registry host as containerd names its `certs.d` folders: `_default`, or a host name or
  /// IPv4 address or `[IPv6]`, with an optional `:port`.
  static func isRegistryName(_ text: String) -> Bool {
    text == "_default" || isHostPort(Substring(text))
  }

  /// Why `text` is not an `http(s)://host[:port][/path]` URL (or, when `schemeOptional`, also
  /// a bare `host[:port][/path]`), or nil when it is one.
  static func urlProblem(_ text: String, schemeOptional: Bool) -> String? {
    if let bad = text.first(where: { $0.isWhitespace || "\"'\\`<>".contains($0) }) {
      return "contains `\(bad == "\\" ? "\\\\" : String(bad))`"
    }
    var rest = Substring(text)
    if let schemeEnd = schemeSeparator(in: rest) {
      let scheme = rest[..<schemeEnd].lowercased()
      guard scheme == "https" || scheme == "http" else {
        return "has the scheme `\(display(scheme))`; only https and http are allowed"
      }
      rest = rest[rest.index(schemeEnd, offsetBy: 3)...]
    } else if !schemeOptional {
      return "has no scheme"
    }
    let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    if authority.contains("@") { return "holds credentials" }
    guard isHostPort(authority) else {
      return authority.isEmpty
        ? "has no host" : "has an invalid host `\(display(String(authority)))`"
    }
    return nil
  }

  /// `host`, `host:port`, `[v6]`, `[v6]:port`, where host is a DNS name or IPv4 address. Labels
  /// hold letters, digits and inner `-` only, as image references require of registry hosts.
  private static func isHostPort(_ text: Substring) -> Bool {
    var host = text
    var port: Substring?
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return false }
      let inside = text[text.index(after: text.startIndex)..<close]
      guard !inside.isEmpty, inside.allSatisfy({ $0.isASCIIHexDigit || $0 == ":" || $0 == "." })
      else {
        return false
      }
      let after = text[text.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else { return false }
        port = after.dropFirst()
      }
      host = ""
    } else if let colon = text.lastIndex(of: ":") {
      host = text[..<colon]
      port = text[text.index(after: colon)...]
    }
    if let port {
      guard let number = Int(port), port.allSatisfy(\.isASCIIDigit), (1...65535).contains(number)
      else { return false }
    }
    if text.hasPrefix("[") { return true }
    guard (1...253).contains(host.utf8.count) else { return false }
    return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
      (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
        && label.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" }
    }
  }

  /// A container image reference (`registry.k8s.io/pause:3.10`, `…@sha256:…`), checked
  /// loosely: the characters references use, at least one of them.
  static func isImageReference(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCIIAlphanumeric || "._-/:@".contains($0) }
  }

  /// Where `://` starts, if anywhere.
  private static func schemeSeparator(in text: Substring) -> Substring.Index? {
    var index = text.startIndex
    while index < text.endIndex {
      if text[index...].hasPrefix("://") { return index }
      index = text.index(after: index)
    }
    return nil
  }

  private static func split(_ text: String, at separator: Character) -> (Substring, Substring?) {
    guard let index = text.firstIndex(of: separator) else { return (Substring(text), nil) }
    return (text[..<index], text[text.index(after: index)...])
  }
}

extension Character {
  var isASCIIDigit: Bool { ("0"..."9").contains(self) }
  var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
  var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
  var isASCIIHexDigit: Bool {
    isASCIIDigit || ("a"..."f").contains(self) || ("A"..."F").contains(self)
  }
}
