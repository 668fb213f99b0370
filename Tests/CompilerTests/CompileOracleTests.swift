import Spec
import Testing

@testable import Compiler

/// The fifth round's cheaper compile paths (performance.md, "Reading and compiling the spec
/// (fifth round)"), each compared with the code it replaced, kept below word for word, over
/// many generated inputs.
@Suite struct CompileOracleTests {
  @Test func semanticVersionsAreTheSplitVersions() {
    let pieces = [
      "", "0", "1", "10", "007", "+1", "+", "-", ".", "..", "rc", "RC1", "a-b", "\u{E9}",
      "1\u{301}", "\r\n", " ", "99999999999999999999", "9223372036854775807", "_", "2", "-1",
      "+0", "beta.0", "x.", ".y", "1.2", "0.1.2",
    ]
    var count = 0
    for a in pieces {
      for b in pieces {
        for c in pieces {
          for text in [
            a + "." + b + c, a + b + "." + c, a + "." + b + "." + c, a + b + c,
            a + "." + b + "-" + c, a + "." + b + "." + c + "-" + b + "." + a,
          ] {
            let fast = SemanticVersion(text)
            let reference = Reference.semanticVersion(text)
            #expect(fast?.numbers == reference?.numbers, "\(text.debugDescription)")
            #expect(fast?.prerelease == reference?.prerelease, "\(text.debugDescription)")
            if reference != nil { count += 1 }
          }
        }
      }
    }
    // The inputs reach the accepting paths too, not only refusals.
    #expect(count > 1_000)
  }

  /// URLs as the spec grammar lets them through and some it does not: every scheme case, no
  /// scheme, other schemes, capitals and non-ASCII in the host, default and other ports,
  /// trailing slashes, marks after a slash.
  static let urls: [String] = {
    let schemes = ["https://", "http://", "HTTPS://", "Http://", "ftp://", "", "https:/"]
    let hosts = [
      "m.example", "Mirror.EXAMPLE", "m.example:443", "m.example:80", "m.example:8443",
      "m.example:5000", "[::1]", "[FE80::1]:443", "10.0.0.1:8080", "\u{C4}.example",
      "\u{E4}.example:80", "", ":443", "m.example:443:443",
    ]
    let paths = [
      "", "/", "//", "/v2", "/v2/", "/V2", "/proxy/", "/a/../v2", "/caf\u{E9}", "/x\u{301}",
      "/\u{301}", "/x/\u{301}/", "/:443", "/%2F/v2",
    ]
    return ByteFastPathTests.urls
      + schemes.flatMap { scheme in
        hosts.flatMap { host in paths.map { scheme + host + $0 } }
      }
  }()

  @Test func normalizedURLIsTheStringVersion() {
    var unchanged = 0
    for url in Self.urls {
      let normal = ResolvedRegistry.normalizedURL(url)
      #expect(normal == Reference.normalizedURL(url), "\(url)")
      // What the shortcut claims: the code it skips would give the URL back unchanged.
      if ResolvedRegistry.isNormal(url) {
        #expect(Reference.normalizedURL(url) == url, "\(url)")
        unchanged += 1
      }
    }
    // The fast path is taken, and not only by a few.
    #expect(unchanged > 100)
  }

  @Test func registryFoldersAreTheSearchVersions() {
    let pieces = [
      "", "a", "Docker.IO", ".", "..", ":", ":5000", ":0", ":65536", ":+80", ":0080", "-",
      "_default", "[::1]", "[::1]:5000", "\u{E9}", "x\u{301}", " ", "/", "1.2.3.4", "a.", ".a",
      "m:1:2", "_", "\u{7F}",
    ]
    var folders = 0
    for a in pieces {
      for b in pieces {
        for c in pieces {
          let name = a + b + c
          let folder = ResolvedRegistry.folder(for: name)
          #expect(folder == Reference.folder(for: name), "\(name)")
          if folder != nil { folders += 1 }
        }
      }
    }
    #expect(folders > 300)
  }
}

/// The code before the change, word for word (`SemanticVersion.init?` as a function).
private enum Reference {
  /// `ResolvedRegistry.folder(for:)`.
  static func folder(for name: String) -> String? {
    if name == "_default" { return name }
    if name.hasPrefix("[") { return ResolvedRegistry.ipv6Folder(name) }
    // On the bytes: every allowed character is ASCII.
    let bytes = name.utf8
    guard let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: ":"),
      bytes.allSatisfy({ ResolvedRegistry.hostNameBytes[Int($0)] }), !name.containsUTF8("..")
    else { return nil }
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return name }
    let port = name[bytes.index(after: colon)...]
    guard !port.utf8.contains(UInt8(ascii: ":")), let number = Int(port),
      (1...65535).contains(number)
    else { return nil }
    return "\(name[..<colon])_\(port)_"
  }

  /// `ResolvedRegistry.normalizedURL`.
  static func normalizedURL(_ url: String) -> String {
    var rest = Substring(url)
    var scheme = "https"
    if let separator = rest.firstUTF8Range(of: "://") {
      scheme = rest[..<separator.lowerBound].lowercased()
      rest = rest[separator.upperBound...]
    }
    // On the bytes: the authority is ASCII (the spec grammar's host check), and a search by
    // Character costs a grapheme-break test per character.
    let authorityEnd = rest.utf8.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
    var authority = rest[..<authorityEnd].lowercased()
    var path = rest[authorityEnd...]
    while path.hasSuffix("/") { path.removeLast() }
    let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
    if let defaultPort, authority.hasSuffix(defaultPort) {
      authority.removeLast(defaultPort.count)
    }
    return "\(scheme)://\(authority)\(path)"
  }

  static func semanticVersion(_ text: String) -> (numbers: [Int], prerelease: [String])? {
    let bytes = text.utf8
    let dash = bytes.firstIndex(of: UInt8(ascii: "-"))
    var numbers: [Int] = []
    numbers.reserveCapacity(3)
    for part in bytes[..<(dash ?? bytes.endIndex)].split(
      separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    {
      guard numbers.count < 3, let number = Self.number(part) else { return nil }
      numbers.append(number)
    }
    guard numbers.count >= 2 else { return nil }
    var prerelease: [String] = []
    if let dash {
      for identifier in bytes[bytes.index(after: dash)...].split(
        separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
      {
        guard !identifier.isEmpty, identifier.allSatisfy(Self.isASCIIAlphanumeric) else {
          return nil
        }
        prerelease.append(String(decoding: identifier, as: UTF8.self))
      }
    }
    while numbers.count < 3 { numbers.append(0) }
    return (numbers, prerelease)
  }

  /// What `Int(_:)` reads in a version's part: an optional `+`, then decimal digits; nil on
  /// overflow.
  private static func number(_ part: Substring.UTF8View) -> Int? {
    var digits = part[...]
    if digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
    guard !digits.isEmpty else { return nil }
    var value = 0
    for byte in digits {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      guard !overflow, !overflow2 else { return nil }
      value = sum
    }
    return value
  }

  private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
  }
}
