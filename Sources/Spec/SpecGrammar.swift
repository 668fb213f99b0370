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
  /// A basic-auth user name: not empty, no `:` (RFC 7617 joins name and password with the
  /// first one). Control characters are refused for every spec string already.
  static func isBasicAuthUser(_ text: String) -> Bool {
    !text.isEmpty && !text.utf8.contains(UInt8(ascii: ":"))
  }

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

  /// Folders that are no account's home, nor hold one: a home there would have the rootless
  /// user's files written into (or the user own) a folder the system relies on.
  private static let systemFolders: Set<String> = [
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
    "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
    "/var", "/var/lib", "/var/tmp", "/var/log", "/var/cache", "/var/spool", "/var/run",
  ]
  /// Trees no home may be inside (`/usr/local/…` and `/etc/…` included).
  private static let systemTrees = [
    "/bin/", "/boot/", "/dev/", "/etc/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/proc/",
    "/root/", "/run/", "/sbin/", "/sys/", "/tmp/", "/usr/", "/var/tmp/", "/var/run/",
  ]

  /// Why `text` cannot be a rootless user's home, or nil when it can be: an absolute path in
  /// normal form (no empty, `.` or `..` segment, one trailing `/` at most), outside the system
  /// folders. The home is where files are written as the user, and it must be the same path
  /// the node's passwd database holds, so only one spelling of it is accepted.
  static func homeProblem(_ text: String) -> String? {
    guard text.hasPrefix("/") else { return "is not absolute" }
    var path = Substring(text)
    if path.count > 1, path.hasSuffix("/") { path.removeLast() }
    let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    if path != "/" {
      if segments.contains(".") || segments.contains("..") {
        return "has a `.` or `..` segment"
      }
      if segments.contains("") { return "has an empty segment (`//`)" }
    }
    let normal = String(path)
    if systemFolders.contains(normal) || systemTrees.contains(where: normal.hasPrefix(_:)) {
      return "is a system folder, not an account's home"
    }
    return nil
  }

  /// A registry host as containerd names its `certs.d` folders: `_default`, or a host name or
  /// IPv4 address or `[IPv6]`, with an optional `:port`.
  static func isRegistryName(_ text: String) -> Bool {
    text == "_default" || isHostPort(Array(text.utf8)[...])
  }

  /// Why `text` is not an `http(s)://host[:port][/path]` URL (or, when `schemeOptional`, also
  /// a bare `host[:port][/path]`), or nil when it is one. Works on UTF-8 bytes: every
  /// delimiter is ASCII, and a host is ASCII only.
  static func urlProblem(_ text: String, schemeOptional: Bool) -> String? {
    // First, whatever else is wrong: the diagnostic then masks the URL (`URLCredentials`).
    if URLCredentials.holdsSecret(text) { return "holds credentials" }
    if let bad = text.unicodeScalars.first(where: isForbiddenInURL) {
      return "contains `\(bad == "\\" ? "\\\\" : String(bad))`"
    }
    let bytes = Array(text.utf8)
    // A query string or fragment is where tokens hide (`?token=…`); the output puts every URL
    // into world-readable files and the playbook.
    if bytes.contains(ascii("?")) { return "has a query (`?…`)" }
    if bytes.contains(ascii("#")) { return "has a fragment (`#…`)" }
    var rest = bytes[...]
    if let schemeEnd = schemeSeparator(in: rest) {
      let scheme = rest[..<schemeEnd]
      guard equalsIgnoringASCIICase(scheme, https) || equalsIgnoringASCIICase(scheme, http)
      else {
        let name = String(decoding: scheme, as: UTF8.self).lowercased()
        return "has the scheme `\(display(name))`; only https and http are allowed"
      }
      rest = rest[(schemeEnd + 3)...]
    } else if !schemeOptional {
      return "has no scheme"
    }
    let authorityEnd = rest.firstIndex { $0 == ascii("/") || $0 == ascii("?") || $0 == ascii("#") }
    let authority = rest[..<(authorityEnd ?? rest.endIndex)]
    if authority.contains(ascii("@")) { return "holds credentials" }
    guard isHostPort(authority) else {
      guard !authority.isEmpty else { return "has no host" }
      return "has an invalid host `\(display(String(decoding: authority, as: UTF8.self)))`"
    }
    return nil
  }

  /// Whitespace (any, as `Character.isWhitespace` sees it), quotes, a backslash or an angle
  /// bracket: what a URL in a config or a script must not carry.
  private static func isForbiddenInURL(_ scalar: Unicode.Scalar) -> Bool {
    guard scalar.isASCII else { return scalar.properties.isWhitespace }
    switch scalar {
    case " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\"", "'", "\\", "`", "<", ">": return true
    default: return false
    }
  }

  /// `host`, `host:port`, `[v6]`, `[v6]:port`, where host is a DNS name or IPv4 address. Labels
  /// hold letters, digits and inner `-` only, as image references require of registry hosts.
  private static func isHostPort(_ text: ArraySlice<UInt8>) -> Bool {
    var host = text
    var port: ArraySlice<UInt8>?
    let bracketed = text.first == ascii("[")
    if bracketed {
      guard let close = text.firstIndex(of: ascii("]")) else { return false }
      let inside = text[(text.startIndex + 1)..<close]
      guard !inside.isEmpty,
        inside.allSatisfy({ isHexDigit($0) || $0 == ascii(":") || $0 == ascii(".") })
      else {
        return false
      }
      let after = text[(close + 1)...]
      if !after.isEmpty {
        guard after.first == ascii(":") else { return false }
        port = after.dropFirst()
      }
    } else if let colon = text.lastIndex(of: ascii(":")) {
      host = text[..<colon]
      port = text[(colon + 1)...]
    }
    if let port, !isPort(port) { return false }
    if bracketed { return true }
    guard (1...253).contains(host.count) else { return false }
    // The labels between dots (empty ones too), checked one by one without an array of them.
    var labels = 0
    var allOctets = true
    var allNames = true
    var lastIsNumber = false
    var rest = host
    while true {
      let end = rest.firstIndex(of: ascii(".")) ?? rest.endIndex
      let label = rest[..<end]
      labels += 1
      allOctets = allOctets && isOctet(label)
      allNames = allNames && isLabel(label)
      lastIsNumber = label.allSatisfy(isDigit)
      guard end < rest.endIndex else { break }
      rest = rest[(end + 1)...]
    }
    // No top-level domain is numeric: a name ending in a number is an IPv4 address, four
    // numbers of 0 to 255 without leading zeros (which some resolvers read as octal).
    if lastIsNumber { return labels == 4 && allOctets }
    return allNames
  }

  /// A DNS label: 1 to 63 letters, digits and inner `-`.
  private static func isLabel(_ label: ArraySlice<UInt8>) -> Bool {
    (1...63).contains(label.count) && label.first != ascii("-") && label.last != ascii("-")
      && label.allSatisfy { isAlphanumeric($0) || $0 == ascii("-") }
  }

  /// 0 to 255 in decimal digits, without a leading zero.
  private static func isOctet(_ text: ArraySlice<UInt8>) -> Bool {
    guard (1...3).contains(text.count), text.allSatisfy(isDigit) else { return false }
    guard text.count == 1 || text.first != ascii("0") else { return false }
    return text.reduce(0) { $0 * 10 + Int($1 - ascii("0")) } <= 255
  }

  /// 1 to 65535 in decimal digits (leading zeros allowed).
  private static func isPort(_ text: ArraySlice<UInt8>) -> Bool {
    guard !text.isEmpty else { return false }
    var value = 0
    for byte in text {
      guard isDigit(byte) else { return false }
      value = value * 10 + Int(byte - ascii("0"))
      if value > 65535 { return false }
    }
    return value >= 1
  }

  /// A container image reference (`registry.k8s.io/pause:3.10`, `…@sha256:…`), checked
  /// loosely: the characters references use, at least one of them.
  static func isImageReference(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCIIAlphanumeric || "._-/:@".contains($0) }
  }

  /// Where `://` starts, if anywhere.
  private static func schemeSeparator(in text: ArraySlice<UInt8>) -> Int? {
    var index = text.startIndex
    while index + 2 < text.endIndex {
      if text[index] == ascii(":"), text[index + 1] == ascii("/"), text[index + 2] == ascii("/") {
        return index
      }
      index += 1
    }
    return nil
  }

  private static let https = Array("https".utf8)
  private static let http = Array("http".utf8)

  /// `bytes` is `word` (lowercase ASCII) in any case.
  private static func equalsIgnoringASCIICase(_ bytes: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
    guard bytes.count == word.count else { return false }
    for (byte, letter) in zip(bytes, word)
    where byte != letter && !(isLetter(byte) && byte | 0x20 == letter) {
      return false
    }
    return true
  }

  private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }
  private static func isDigit(_ byte: UInt8) -> Bool { 0x30...0x39 ~= byte }
  private static func isLetter(_ byte: UInt8) -> Bool { 0x41...0x5a ~= byte || 0x61...0x7a ~= byte }
  private static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
  private static func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || 0x41...0x46 ~= byte || 0x61...0x66 ~= byte
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

extension SpecGrammar {
  /// A containerd namespace, as containerd's `identifiers.Validate` accepts it
  /// (`pkg/identifiers/validate.go`, v1.6 to v2.3): 1 to 76 characters, alphanumeric runs
  /// joined by single `.`, `_` or `-` (`^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$`).
  static func isContainerdNamespace(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard (1...76).contains(bytes.count) else { return false }
    var previousWasSeparator = true  // the first byte must be alphanumeric
    for byte in bytes {
      if isAlphanumeric(byte) {
        previousWasSeparator = false
      } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: "-")
      {
        if previousWasSeparator { return false }
        previousWasSeparator = true
      } else {
        return false
      }
    }
    return !previousWasSeparator
  }

  /// A `no_proxy` entry as Go's `httpproxy` (containerd, BuildKit) and curl read it: a host
  /// name with an optional leading `.` (a domain and its subdomains), `*`, an IPv4 or IPv6
  /// address, or a CIDR, each with an optional `:port` for names; letters, digits and
  /// `.-:/[]*` only, at most 253 characters.
  static func isNoProxyEntry(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard (1...253).contains(bytes.count) else { return false }
    let allowed: Set<UInt8> = Set(".-:/[]*_".utf8)
    return bytes.allSatisfy { isAlphanumeric($0) || allowed.contains($0) }
  }
}
