import Spec

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A `registries:` entry made ready to write: URLs with their scheme, defaults applied,
/// header values taken from the environment. Both hosts.toml and buildkitd.toml are written
/// from it, so the two can never disagree.
struct ResolvedRegistry: Equatable {
  /// As in the spec: `docker.io`, `registry.example.com:5000`, `_default`.
  var name: String
  /// The certs.d folder: the name, with `host:port` as `host_port_`.
  var folder: String
  /// hosts.toml's `server` (the upstream, tried last); nil = the registry itself.
  var server: String?
  /// With `fallback: false`, the last mirror, written as the top-level server with its
  /// settings, so that nothing reaches upstream.
  var serverHost: ResolvedHost?
  /// `[host."…"]` tables, in spec order.
  var hosts: [ResolvedHost]
  /// The `Authorization` header value for the upstream (`auth:`), written in the top-level
  /// `[header]` table, which containerd applies to the server (the registry itself when no
  /// `server` is set: `hosts.go`, the root config is the last host).
  var authorization: ResolvedHeader.Value?
  /// The spec's `auth` entry, when there is one.
  var authOrigin: SourceRange?
  var origin: SourceRange
  /// Certificates and keys the spec delivers, written beside hosts.toml
  /// (`DeliveredCertificates`).
  var delivered: [DeliveredCertificates.Written] = []
}

/// One mirror, ready to write.
struct ResolvedHost: Equatable {
  /// With scheme, e.g. `https://mirror.example.com:5000/v2/proxy`.
  var url: String
  var capabilities: [Mirror.Capability]
  var ca: [String]
  var client: [ClientPair]
  var skipVerify: Bool?
  var overridePath: Bool?
  var headers: [ResolvedHeader]
  var origin: SourceRange
  /// Delivered with the spec; `DeliveredCertificates` adds their paths to `ca` and `client`.
  var deliveredCA: Located<Delivered>?
  var deliveredClient: DeliveredClient?

  /// `host[:port][/path]`, the URL without scheme or trailing slash (BuildKit's mirror form).
  var hostAndPath: String {
    let bytes = url.utf8
    let start = url.firstUTF8Range(of: "://")?.upperBound ?? bytes.startIndex
    var end = bytes.endIndex
    while end > start, bytes[bytes.index(before: end)] == UInt8(ascii: "/") {
      end = bytes.index(before: end)
    }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// `host[:port]` alone.
  var host: String {
    let whole = hostAndPath
    return String(whole[..<(whole.utf8.firstIndex(of: UInt8(ascii: "/")) ?? whole.endIndex)])
  }

  var isPlainHTTP: Bool { url.hasPrefix("http://") }
}

struct ResolvedHeader: Equatable {
  enum Value: Equatable {
    case literal(String)
    /// Taken from the compiling machine's environment: a secret in the output.
    case secret(String)
    /// Read from this node file at install time.
    case file(String)
    /// `Basic ` and the base64 of `username:` and this node file's content, made at install
    /// time (registry `auth:` with a password file).
    case basicAuthFile(username: String, path: String)

    var isSecret: Bool { if case .literal = self { false } else { true } }
  }

  var name: String
  var values: [Value]
}

extension ResolvedRegistry {
  /// Validates and completes every registry, in spec order; drops (after reporting) the
  /// ones that cannot be written.
  static func resolve(
    _ registries: [Registry], environment: [String: String], diagnostics: inout Diagnostics
  ) -> [ResolvedRegistry] {
    var resolved: [ResolvedRegistry] = []
    var seen: [String: SourceRange] = [:]
    for registry in registries {
      let name = registry.name.value
      let path = "registries.\(name)"
      guard let folder = folder(for: name) else {
        diagnostics.error(
          "invalid-registry-name",
          "`\(name)` is not a registry host, host:port or `_default`", at: registry.name.range,
          path: path)
        continue
      }
      // Host names are case-insensitive: `DOCKER.io` is `docker.io`.
      let spelling = folder.lowercased()
      if let first = seen[spelling] {
        diagnostics.error(
          "duplicate-registry", "`\(name)` is configured twice", at: registry.name.range,
          path: path, notes: [.init("first configured here", at: first)])
        continue
      }
      seen[spelling] = registry.name.range

      var ok = true
      var hosts: [ResolvedHost] = []
      for (index, mirror) in registry.mirrors.enumerated() {
        guard
          let host = ResolvedHost(
            mirror, path: "\(path).mirrors[\(index)]", environment: environment,
            diagnostics: &diagnostics)
        else {
          ok = false
          continue
        }
        // One `[host."…"]` table per URL: a second one would make hosts.toml invalid TOML.
        if let first = hosts.first(where: { $0.url == host.url }) {
          diagnostics.error(
            "duplicate-mirror", "`\(host.url)` is a mirror of `\(name)` twice",
            at: mirror.url.range, path: "\(path).mirrors[\(index)]",
            notes: [.init("first listed here", at: first.origin)],
            hint: "remove one; URLs are compared with the scheme added, the host's case "
              + "ignored, no trailing `/` and no default port")
          ok = false
          continue
        }
        hosts.append(host)
      }
      var server: String?
      if let given = registry.server {
        server = completeURL(given, path: "\(path).server", diagnostics: &diagnostics)
        if server == nil { ok = false }
      }
      var serverHost: ResolvedHost?
      if let fallback = registry.fallback, !fallback.value {
        if let given = registry.server {
          diagnostics.error(
            "fallback-with-server",
            "`fallback: false` makes the last mirror the server; `server` contradicts it",
            at: given.range, path: "\(path).server",
            notes: [.init("fallback disabled here", at: fallback.range)])
          ok = false
        } else if registry.mirrors.isEmpty {
          diagnostics.error(
            "fallback-without-mirrors", "`fallback: false` needs at least one mirror",
            at: fallback.range, path: "\(path).fallback")
          ok = false
        } else {
          serverHost = hosts.popLast()
        }
      }
      var authorization: ResolvedHeader.Value?
      if let auth = registry.auth {
        authorization = resolve(
          auth, of: registry, path: path, environment: environment, diagnostics: &diagnostics)
        if authorization == nil { ok = false }
      }
      guard ok else { continue }
      resolved.append(
        ResolvedRegistry(
          name: name, folder: folder, server: server, serverHost: serverHost, hosts: hosts,
          authorization: authorization, authOrigin: registry.auth?.range, origin: registry.range))
    }
    return resolved
  }

  /// The `Authorization: Basic` value for a registry's `auth:`. The credentials go to the
  /// registry's upstream only, never to a mirror (a public mirror must not learn them), so a
  /// registry without one upstream (`_default`, `fallback: false`) cannot take them.
  private static func resolve(
    _ auth: RegistryAuth, of registry: Registry, path: String, environment: [String: String],
    diagnostics: inout Diagnostics
  ) -> ResolvedHeader.Value? {
    let path = "\(path).auth"
    if registry.name.value == "_default" {
      diagnostics.error(
        "auth-without-upstream",
        "`_default` stands for every registry; its credentials would go to all of them",
        at: auth.range, path: path,
        hint: "give `auth` to the registry it belongs to, e.g. `registry.corp.example:`")
      return nil
    }
    if let fallback = registry.fallback, !fallback.value {
      diagnostics.error(
        "auth-without-upstream",
        "`auth` is sent to `\(registry.name.value)` itself, which `fallback: false` never "
          + "reaches",
        at: auth.range, path: path, notes: [.init("fallback disabled here", at: fallback.range)],
        hint: "to authenticate to a mirror, give it an `Authorization` header from "
          + "`{env: VAR}` or `{file: /path}`")
      return nil
    }
    let username = auth.username.value
    switch auth.password.value {
    case .file(let file):
      return .basicAuthFile(username: username, path: file)
    case .environment(let variable):
      guard let password = environment[variable] else {
        diagnostics.error(
          "missing-environment", "the environment variable `\(variable)` is not set",
          at: auth.password.range, path: "\(path).password")
        return nil
      }
      // As a password file on the node: no control character but tab. U+FFFD is what
      // reading the environment made of bytes that are not UTF-8. Reported by name only.
      if password.unicodeScalars.contains(where: {
        $0 != "\t" && $0.properties.generalCategory == .control || $0.value == 0xFFFD
          || $0.properties.isNoncharacterCodePoint
      }) {
        diagnostics.error(
          "invalid-environment-value",
          "the environment variable `\(variable)` holds a line break, a control character or "
            + "bytes that are not UTF-8; a basic-auth password cannot carry them",
          at: auth.password.range, path: "\(path).password",
          hint: "set it to the password alone, on one line (the value is not shown)")
        return nil
      }
      return .secret("Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
    case .literal:
      // The decoder refuses a literal password (`literal-secret`).
      return nil
    }
  }

  /// containerd's folder for a registry host (`hostDirectory()`): `host:port` becomes
  /// `host_port_`, tried first by containerd; nil for names that are no host at all.
  static func folder(for name: String) -> String? {
    if name == "_default" { return name }
    if name.hasPrefix("[") { return ipv6Folder(name) }
    // On the bytes: every allowed character is ASCII. One pass checks each byte, looks for
    // `..` and finds the first `:` (three searches cost three times as much).
    let bytes = name.utf8
    guard let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: ":")
    else { return nil }
    var colon: String.Index?
    var previous: UInt8 = 0
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      guard hostNameBytes[Int(byte)], !(byte == UInt8(ascii: ".") && previous == byte) else {
        return nil
      }
      if colon == nil, byte == UInt8(ascii: ":") { colon = index }
      previous = byte
      bytes.formIndex(after: &index)
    }
    guard let colon else { return name }
    let port = name[bytes.index(after: colon)...]
    guard !port.utf8.contains(UInt8(ascii: ":")), let number = Int(port),
      (1...65535).contains(number)
    else { return nil }
    return "\(name[..<colon])_\(port)_"
  }

  /// The bytes a registry name other than `[IPv6]` may hold: ASCII letters, digits, `.-:`.
  static let hostNameBytes: [Bool] = (0..<256).map { byte in
    let scalar = Unicode.Scalar(UInt8(byte))
    return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
      || ("0"..."9").contains(scalar) || scalar == "." || scalar == "-" || scalar == ":"
  }

  /// `[address]` or `[address]:port`, kept as written: the `host:port` folder form, which
  /// every containerd looks up (the `host_port_` form is ambiguous for an address full of
  /// colons).
  static func ipv6Folder(_ name: String) -> String? {
    guard let close = name.firstIndex(of: "]") else { return nil }
    let address = name[name.index(after: name.startIndex)..<close]
    let rest = name[name.index(after: close)...]
    let hex = address.unicodeScalars.allSatisfy {
      ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0)
        || $0 == ":" || $0 == "."
    }
    guard !address.isEmpty, address.contains(":" as Character), hex else { return nil }
    if rest.isEmpty { return name }
    guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port)
    else { return nil }
    return name
  }

  /// The one spelling of a mirror or server URL, used both to find duplicates and to write
  /// hosts.toml (and buildkitd.toml): scheme added (`https://`) and lowercased, host
  /// lowercased, default port (`:443` for https, `:80` for http) and trailing `/`s dropped.
  /// containerd appends `/v2/...` to the URL as written, so `https://m.io/` would make it
  /// request `//v2/...`. Expects a URL the spec grammar accepted (no query, no credentials).
  static func normalizedURL(_ url: String) -> String {
    if isNormal(url) { return url }
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

  /// Whether `normalizedURL` gives `url` back unchanged: an `http`/`https` scheme, an
  /// authority of ASCII without capitals and without the scheme's default port, and no
  /// trailing `/`. Most spec URLs are written so; one pass over the bytes costs a fraction
  /// of building the three strings that normalizing does.
  static func isNormal(_ url: String) -> Bool {
    let bytes = url.utf8
    let (schemeLength, defaultPort) =
      bytes.starts(with: "https://".utf8)
      ? (8, ":443") : bytes.starts(with: "http://".utf8) ? (7, ":80") : (0, "")
    guard schemeLength > 0 else { return false }
    var authorityEnd = bytes.index(bytes.startIndex, offsetBy: schemeLength)
    while authorityEnd < bytes.endIndex, bytes[authorityEnd] != UInt8(ascii: "/") {
      let byte = bytes[authorityEnd]
      if byte >= 0x80 || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) { return false }
      bytes.formIndex(after: &authorityEnd)
    }
    // A `/` at the very end is a whole Character: no mark combines with it.
    return bytes.last != UInt8(ascii: "/")
      && !bytes[..<authorityEnd].reversed().starts(with: defaultPort.utf8.reversed())
  }

  /// How many non-empty parts `/` separates `text` into (`split(separator: "/").count`,
  /// counted on the bytes without making the array).
  static func slashSeparatedParts(_ text: String) -> Int {
    var parts = 0
    var inPart = false
    for byte in text.utf8 {
      if byte == UInt8(ascii: "/") {
        inPart = false
      } else if !inPart {
        inPart = true
        parts += 1
      }
    }
    return parts
  }

  /// The URL with a scheme: scheme-less gets `https://` (what containerd assumes) and a
  /// `missing-scheme` warning; any scheme but http(s) is an error. The result is normalized
  /// (`normalizedURL`).
  static func completeURL(
    _ url: Located<String>, path: String, diagnostics: inout Diagnostics
  ) -> String? {
    let text = url.value
    // Unicode's White_Space in ASCII is exactly tab to carriage return and the space: the
    // property table is asked only about the rest.
    if text.unicodeScalars.contains(where: {
      $0.isASCII
        ? ($0.value >= 0x09 && $0.value <= 0x0D) || $0 == " " || $0 == "\""
        : $0.properties.isWhitespace
    }) {
      diagnostics.error(
        "invalid-url", "`\(text)` contains spaces or quotes", at: url.range, path: path)
      return nil
    }
    let lower = text.lowercased()
    if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
      guard slashSeparatedParts(text) >= 2 else {
        diagnostics.error("invalid-url", "`\(text)` has no host", at: url.range, path: path)
        return nil
      }
      return normalizedURL(text)
    }
    if text.containsUTF8("://") || text.isEmpty || text.hasPrefix("/") {
      diagnostics.error(
        "invalid-url", "`\(text)` is not an http:// or https:// URL", at: url.range, path: path)
      return nil
    }
    diagnostics.warning(
      "missing-scheme", "`\(text)` has no scheme; https:// is assumed and written",
      at: url.range, path: path, hint: "write `https://\(text)` (or `http://` for plain http)")
    return normalizedURL("https://" + text)
  }
}

extension ResolvedHost {
  init?(
    _ mirror: Mirror, path: String, environment: [String: String],
    diagnostics: inout Diagnostics
  ) {
    guard
      let url = ResolvedRegistry.completeURL(
        mirror.url, path: "\(path).url", diagnostics: &diagnostics)
    else { return nil }
    var ok = true
    var headers: [ResolvedHeader] = []
    for header in mirror.headers {
      var values: [ResolvedHeader.Value] = []
      for value in header.values {
        switch value.value {
        case .literal(let text):
          // A literal credential is the spec decoder's warning (`literal-secret`).
          values.append(.literal(text))
        case .environment(let variable):
          guard let text = environment[variable] else {
            diagnostics.error(
              "missing-environment", "the environment variable `\(variable)` is not set",
              at: value.range, path: "\(path).header")
            ok = false
            continue
          }
          // Checked as a node file's secret is, and reported by name: the value is a secret.
          // U+FFFD is what reading the environment made of bytes that are not UTF-8.
          if text.unicodeScalars.contains(where: {
            $0 != "\t"
              && ($0.properties.generalCategory == .control || $0.value == 0xFFFD
                || $0.properties.isNoncharacterCodePoint)
          }) {
            diagnostics.error(
              "invalid-environment-value",
              "the environment variable `\(variable)` holds a line break, a control character "
                + "or bytes that are not UTF-8; an HTTP header value cannot carry them",
              at: value.range, path: "\(path).header",
              hint: "set it to the header value alone, on one line (the value is not shown)")
            ok = false
            continue
          }
          values.append(.secret(text))
        case .file(let file):
          values.append(.file(file))
        }
      }
      headers.append(ResolvedHeader(name: header.name.value, values: values))
    }
    guard ok else { return nil }
    self.url = url
    var capabilities: [Mirror.Capability] = []
    for capability in mirror.capabilities?.value ?? [.pull, .resolve]
    where !capabilities.contains(capability) {
      capabilities.append(capability)
    }
    self.capabilities = capabilities
    ca = mirror.ca.map(\.value)
    // A lone path holds certificate and key: name it as both. containerd would resolve an
    // empty key path against the hosts.toml folder and fail every pull (hosts.go
    // `makeAbsPath`), and BuildKit's `tls.LoadX509KeyPair` cannot load an empty key.
    client = mirror.client.map {
      $0.value.key.isEmpty
        ? ClientPair(certificate: $0.value.certificate, key: $0.value.certificate) : $0.value
    }
    deliveredCA = mirror.deliveredCA
    deliveredClient = mirror.deliveredClient
    skipVerify = mirror.skipVerify?.value
    // A mirror URL with a path other than `/v2` is the API root itself (k3s normalises it
    // the same way); without override_path containerd would append `/v2` to it.
    overridePath = mirror.overridePath?.value ?? (Self.hasNonV2Path(url) ? true : nil)
    self.headers = headers
    origin = mirror.range
  }

  static func hasNonV2Path(_ url: String) -> Bool {
    var rest = Substring(url)
    if let scheme = rest.firstUTF8Range(of: "://") { rest = rest[scheme.upperBound...] }
    guard let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) else { return false }
    var path = rest.utf8[slash...]
    while path.last == UInt8(ascii: "/") { path.removeLast() }
    return !path.isEmpty && !path.reversed().starts(with: "2v/".utf8)
  }
}
