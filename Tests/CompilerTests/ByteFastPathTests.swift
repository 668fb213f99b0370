import Spec
import Testing

@testable import Compiler

/// The URL and prefix handling moved from Characters to UTF-8 bytes (performance.md, "Reading
/// and compiling the spec (fourth round)"): each is compared here with the Character-based
/// code it replaced, kept below as the reference, over a few thousand generated inputs.
@Suite struct ByteFastPathTests {
  /// Mirror URLs as the spec grammar lets them through: any scheme case, hosts with case,
  /// ports and IPv6, paths with `.`, `..`, `v2`, trailing slashes and non-ASCII text.
  static let urls: [String] = {
    let schemes = ["https://", "http://", "HTTPS://", "Http://"]
    let hosts = [
      "m.example", "Mirror.EXAMPLE", "m.example:443", "m.example:80", "m.example:5000",
      "[::1]", "[FE80::1]:443", "10.0.0.1:8080",
    ]
    let paths = [
      "", "/", "//", "/v2", "/v2/", "/v2//", "/proxy", "/proxy/", "/proxy/v2", "/a/./b",
      "/a/../v2", "/../x", "/v2/docker-proxy", "/v2/a/b/", "/caf\u{E9}", "/\u{65E5}\u{672C}/v2",
      "/x\u{301}/y", "/.", "/a/..", "/%2F/v2",
    ]
    return schemes.flatMap { scheme in
      hosts.flatMap { host in paths.map { scheme + host + $0 } }
    }
  }()

  @Test func normalizedURLIsTheCharacterVersions() {
    for url in Self.urls {
      #expect(ResolvedRegistry.normalizedURL(url) == Reference.normalizedURL(url), "\(url)")
    }
  }

  @Test func hostAndPathAndAPIRootAreTheCharacterVersions() throws {
    for url in Self.urls {
      for overridePath in [nil, true, false] as [Bool?] {
        var diagnostics = Diagnostics()
        let mirror = Mirror(
          url: at(url, 1), overridePath: overridePath.map { at($0, 2) }, range: line(1))
        let host = try #require(
          ResolvedHost(mirror, path: "m", environment: [:], diagnostics: &diagnostics))
        #expect(host.hostAndPath == Reference.hostAndPath(host.url), "\(url)")
        #expect(host.host == Reference.host(host.url), "\(url)")
        #expect(BuildKitModule.apiRoot(host) == Reference.apiRoot(host), "\(url)")
        // The unnormalised URL too: `hostAndPath` must not rely on normalisation.
        var raw = host
        raw.url = url
        #expect(raw.hostAndPath == Reference.hostAndPath(url), "\(url)")
        #expect(BuildKitModule.apiRoot(raw) == Reference.apiRoot(raw), "\(url)")
      }
    }
  }

  @Test func slashSeparatedPartsAreTheSplitCount() {
    let pieces = ["", "/", "//", "a", "https:", "h\u{E9}", "x\u{301}", ":"]
    for a in pieces {
      for b in pieces {
        for c in pieces {
          for d in pieces {
            let text = a + b + c + d
            #expect(
              ResolvedRegistry.slashSeparatedParts(text)
                == text.utf8.split(separator: UInt8(ascii: "/")).count, "\(text)")
          }
        }
      }
    }
  }

  @Test func registryFoldersAreTheCharacterVersions() {
    let pieces = [
      "", "a", "Docker.IO", ".", "..", ":", ":5000", ":0", ":65536", ":+80", ":0080", "-",
      "_default", "[::1]", "[::1]:5000", "\u{E9}", "x\u{301}", " ", "/", "1.2.3.4",
    ]
    for a in pieces {
      for b in pieces {
        for c in pieces {
          let name = a + b + c
          #expect(ResolvedRegistry.folder(for: name) == Reference.folder(for: name), "\(name)")
        }
      }
    }
  }

  @Test func semanticVersionsAreTheCharacterVersions() {
    let pieces = [
      "", "0", "1", "10", "007", "+1", "+", "-", ".", "..", "rc", "RC1", "a-b", "\u{E9}",
      "1\u{301}", "\r\n", " ", "99999999999999999999", "9223372036854775807", "_",
    ]
    for a in pieces {
      for b in pieces {
        for c in pieces {
          for text in [a + "." + b + c, a + b + "." + c, a + "." + b + "." + c, a + b + c] {
            let fast = SemanticVersion(text)
            let reference = Reference.semanticVersion(text)
            #expect(fast?.numbers == reference?.numbers, "\(text.debugDescription)")
            #expect(fast?.prerelease == reference?.prerelease, "\(text.debugDescription)")
          }
        }
      }
    }
  }

  @Test func prefixCheckIsTheJoinedVersion() {
    let parts = ["", "usr", "local", "opt", "tmp", "var", ".", "..", "a+b", "x_y"]
    var prefixes: [String] = ["/", "//", "///"]
    for a in parts {
      for b in parts {
        for c in ["", "/"] { prefixes.append("/\(a)/\(b)\(c)") }
        prefixes.append("\(a)/\(b)")
      }
    }
    for prefix in prefixes {
      var fast = Diagnostics()
      Compiler.checkPrefix(at(prefix, 1), diagnostics: &fast)
      var reference = Diagnostics()
      Reference.checkPrefix(at(prefix, 1), diagnostics: &reference)
      #expect(fast.all.map(\.message) == reference.all.map(\.message), "\(prefix)")
    }
  }
}

/// The code before the change, word for word.
private enum Reference {
  static func folder(for name: String) -> String? {
    if name == "_default" { return name }
    if name.hasPrefix("[") { return ResolvedRegistry.folder(for: name) }
    let allowed = name.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || $0 == "." || $0 == "-" || $0 == ":"
    }
    let parts = name.split(separator: ":", omittingEmptySubsequences: false)
    guard allowed, !name.hasPrefix("."), !name.containsUTF8(".."), let host = parts.first,
      !host.isEmpty
    else { return nil }
    switch parts.count {
    case 1: return name
    case 2:
      guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
      return "\(host)_\(parts[1])_"
    default: return nil
    }
  }

  static func semanticVersion(_ text: String) -> (numbers: [Int], prerelease: [String])? {
    let (core, pre): (Substring, Substring?) =
      if let dash = text.firstIndex(of: "-") {
        (text[..<dash], text[text.index(after: dash)...])
      } else {
        (text[...], nil)
      }
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    guard (2...3).contains(parts.count) else { return nil }
    var numbers: [Int] = []
    for part in parts {
      guard !part.isEmpty, part.allSatisfy(\.isASCII), let number = Int(part) else { return nil }
      numbers.append(number)
    }
    var prerelease: [String]
    if let pre {
      let identifiers = pre.split(separator: ".", omittingEmptySubsequences: false)
      guard
        !identifiers.isEmpty,
        identifiers.allSatisfy({
          !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        })
      else { return nil }
      prerelease = identifiers.map(String.init)
    } else {
      prerelease = []
    }
    return (numbers + Array(repeating: 0, count: 3 - numbers.count), prerelease)
  }

  static func normalizedURL(_ url: String) -> String {
    var rest = Substring(url)
    var scheme = "https"
    if let separator = rest.firstUTF8Range(of: "://") {
      scheme = rest[..<separator.lowerBound].lowercased()
      rest = rest[separator.upperBound...]
    }
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    var authority = rest[..<authorityEnd].lowercased()
    var path = rest[authorityEnd...]
    while path.hasSuffix("/") { path.removeLast() }
    let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
    if let defaultPort, authority.hasSuffix(defaultPort) {
      authority.removeLast(defaultPort.count)
    }
    return "\(scheme)://\(authority)\(path)"
  }

  static func hostAndPath(_ url: String) -> String {
    var rest = Substring(url)
    if let scheme = rest.firstUTF8Range(of: "://") { rest = rest[scheme.upperBound...] }
    while rest.hasSuffix("/") { rest.removeLast() }
    return String(rest)
  }

  static func host(_ url: String) -> String {
    let whole = hostAndPath(url)
    return String(whole[..<(whole.utf8.firstIndex(of: UInt8(ascii: "/")) ?? whole.endIndex)])
  }

  static func apiRoot(_ host: ResolvedHost) -> String {
    var rest = Substring(host.url)
    if let scheme = rest.firstUTF8Range(of: "://") { rest = rest[scheme.upperBound...] }
    var segments: [Substring] = []
    if let slash = rest.firstIndex(of: "/") {
      for segment in rest[slash...].split(separator: "/") where segment != "." {
        if segment == ".." { _ = segments.popLast() } else { segments.append(segment) }
      }
    }
    let path = segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
    if path.hasSuffix("/v2") || host.overridePath == true { return path.isEmpty ? "/" : path }
    return path + "/v2"
  }

  static func checkPrefix(_ prefix: Located<String>, diagnostics: inout Diagnostics) {
    let plain = prefix.value.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "/._+-".unicodeScalars.contains($0)
    }
    let parts = prefix.value.split(separator: "/")
    if !prefix.value.hasPrefix("/") || !plain || parts.contains("..") || parts.contains(".") {
      diagnostics.error(
        "unsafe-prefix", "the prefix must be an absolute path of letters, digits and `/._+-`",
        at: prefix.range, path: "prefix")
      return
    }
    if prefix.value.utf8.count > Compiler.maxPrefixLength {
      diagnostics.error(
        "unsafe-prefix", "the prefix is longer than \(Compiler.maxPrefixLength) characters",
        at: prefix.range, path: "prefix",
        hint: "binaries and units go under it: /usr/local or /opt/<name>")
      return
    }
    let normal = "/" + parts.joined(separator: "/")
    if let shared = Compiler.sharedFolders.first(where: {
      normal == $0 || normal.hasPrefix($0 + "/")
    }) {
      diagnostics.error(
        "unsafe-prefix",
        "the prefix is under `\(shared)`, where others can write: root would run binaries they "
          + "can replace",
        at: prefix.range, path: "prefix", hint: "use /usr/local (the default) or /opt/<name>")
    }
  }
}
