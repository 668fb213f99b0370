/// What operators add to a node beside its components: `proxy:`, containerd's data folders
/// and `settings:`, nerdctl's namespace.
extension SpecDecoder {
  static let proxyKeys = SpecKeys.allowed(in: "proxy")

  /// `proxy: {http: URL, https: URL, no_proxy: [entries]}`; at least one of the URLs.
  mutating func proxy(_ entry: Entry) -> Proxy? {
    guard let fields = fields(entry, allowed: Self.proxyKeys) else { return nil }
    let http = fields["http"].flatMap { proxyURL($0) }
    let https = fields["https"].flatMap { proxyURL($0) }
    let noProxy =
      fields["no_proxy"].map { entry in
        oneOrMany(entry) {
          $0.string(
            $1, matching: SpecGrammar.isNoProxyEntry, else: "invalid-no-proxy",
            "is not a host, domain, address or CIDR",
            hint: "e.g. localhost, .svc, 10.0.0.0/8, registry.example.com")
        }
      } ?? []
    if fields["http"] == nil, fields["https"] == nil {
      missingKey(
        "http", in: entry, hint: "give `http:` and/or `https:`, e.g. http://proxy.example:3128")
    }
    return Proxy(http: http, https: https, noProxy: noProxy, range: entry.node.range)
  }

  /// A proxy URL: the URL grammar of every other URL of a spec (no credentials, query or
  /// fragment). A `user:pass@` proxy would land in world-readable unit drop-ins and in the
  /// playbook, so it is refused with its own hint.
  private mutating func proxyURL(_ entry: Entry) -> Located<String>? {
    guard let text = string(entry, expected: "a URL") else { return nil }
    if let problem = SpecGrammar.urlProblem(text.value, schemeOptional: false) {
      guard problem == "holds credentials" else {
        diagnostics.error(
          "invalid-url", "the URL `\(display(text.value))` \(problem)", at: text.range,
          path: entry.path, hint: "write http://host:port")
        return nil
      }
      var error = Diagnostic(
        .error, id: "invalid-url", "the proxy URL holds credentials", at: text.range,
        path: entry.path,
        hint: "a proxy URL lands in world-readable systemd drop-ins and in the output: use a "
          + "proxy that authenticates the node by address, or keep the proxy out of the spec")
      // The password is shown nowhere, not even in the excerpt that points at it.
      error.redacted = [text.range]
      diagnostics.append(error)
      return nil
    }
    return text
  }

  /// containerd's `root` or `state`: an absolute path outside the folders others can write
  /// to, as `prefix` (containerd runs as root and keeps images and sockets there).
  mutating func dataFolder(_ entry: Entry) -> Located<String>? {
    guard let text = path(entry) else { return nil }
    if let problem = SpecGrammar.dataFolderProblem(text.value) {
      diagnostics.error(
        "unsafe-data-folder", "the folder `\(display(text.value))` \(problem)", at: text.range,
        path: entry.path, hint: "use a folder only root can write to, e.g. /srv/containerd")
      return nil
    }
    return text
  }

  /// A containerd namespace name (`identifiers.Validate`).
  mutating func namespace(_ entry: Entry) -> Located<String>? {
    string(
      entry, matching: SpecGrammar.isContainerdNamespace, else: "invalid-namespace",
      "is not a containerd namespace",
      hint: "letters and digits, joined by single `.`, `_` or `-`, at most 76 characters, "
        + "e.g. k8s.io")
  }

  /// `settings:`: a mapping whose values become TOML. Plain scalars are typed as TOML would
  /// type them (`true`/`false`, integers, floats); everything else is a string. Null has no
  /// TOML form, and YAML 1.1's `yes`/`on` are refused as everywhere else.
  mutating func settings(_ entry: Entry) -> [Setting]? {
    guard case .mapping(let pairs) = entry.node.kind else {
      if entry.node.isNull { return [] }
      mismatch(entry, expected: "a mapping")
      return nil
    }
    var out: [Setting] = []
    var failed = false
    for pair in pairs {
      let name = pair.key.scalar?.text ?? ""
      let child = entry.child(pair.value, key: pair.key, name: name)
      guard let key = string(Entry(node: pair.key, path: child.path), expected: "a key") else {
        failed = true
        continue
      }
      guard let value = settingValue(child) else {
        failed = true
        continue
      }
      out.append(Setting(key: key, value: value))
    }
    return failed ? nil : out
  }

  private mutating func settingValue(_ entry: Entry) -> Located<Setting.Value>? {
    let range = entry.node.range
    switch entry.node.kind {
    case .mapping:
      return settings(entry).map { Located(.table($0), at: range) }
    case .sequence(let items):
      var values: [Located<Setting.Value>] = []
      for (index, item) in items.enumerated() {
        guard let value = settingValue(entry.item(item, index)) else { return nil }
        values.append(value)
      }
      return Located(.array(values), at: range)
    case .scalar(let scalar):
      if entry.node.isNull {
        diagnostics.error(
          "type-mismatch", "a setting needs a value; TOML has no null", at: range,
          path: entry.path, hint: "remove the key to keep containerd's default")
        return nil
      }
      guard let text = string(entry, expected: "a value") else { return nil }
      guard scalar.style == .plain else { return Located(.string(text.value), at: range) }
      if text.value == "true" || text.value == "false" {
        return Located(.bool(text.value == "true"), at: range)
      }
      if Self.yaml11Booleans.contains(text.value) {
        diagnostics.error(
          "not-a-boolean", "`\(display(text.value))` is not a boolean here", at: range,
          path: entry.path, hint: "write true or false, or quote it for a string")
        return nil
      }
      if let integer = SpecGrammar.tomlInteger(text.value) {
        return Located(.integer(integer), at: range)
      }
      if SpecGrammar.isTOMLFloat(text.value) { return Located(.float(text.value), at: range) }
      return Located(.string(text.value), at: range)
    }
  }

  /// YAML 1.1 booleans other than `true`/`false`: a plain one in `settings` would be a string
  /// to TOML but was most likely meant as a boolean.
  static let yaml11Booleans: Set<String> = [
    "yes", "no", "on", "off", "y", "n", "True", "False", "TRUE", "FALSE", "Yes", "No", "On",
    "Off", "YES", "NO", "ON", "OFF",
  ]
}

extension SpecGrammar {
  /// Folders containerd's `root` and `state` must not be in: those others can write to (as
  /// for `prefix`), and the kernel's own.
  static let unsafeDataFolders = [
    "/tmp", "/var/tmp", "/dev", "/run/user", "/home", "/proc", "/sys",
  ]

  /// Why `text` cannot hold containerd's data, or nil.
  static func dataFolderProblem(_ text: String) -> String? {
    let parts = text.split(separator: "/")
    if parts.isEmpty { return "is the root folder" }
    if parts.contains(".") { return "contains a `.` segment" }
    let normal = "/" + parts.map(String.init).joinedUTF8(separator: "/")
    if let shared = unsafeDataFolders.first(where: { normal == $0 || normal.hasPrefix($0 + "/") }) {
      return "is under `\(shared)`, where others can write"
    }
    return nil
  }

  /// A decimal integer as TOML writes it (no leading zeros, optional sign), within Int64.
  static func tomlInteger(_ text: String) -> Int? {
    let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
    guard digits == "0" || digits.first != "0" else { return nil }
    return Int(text.first == "+" ? String(digits) : text)
  }

  /// A TOML decimal float with a fraction or an exponent: `0.5`, `-1.25`, `1e6`, `2.5E-3`.
  static func isTOMLFloat(_ text: String) -> Bool {
    var rest = Substring(text)
    if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
    func digits(_ s: inout Substring) -> Bool {
      let run = s.prefix { $0.isASCIIDigit }
      s = s.dropFirst(run.count)
      return !run.isEmpty
    }
    let integerPart = rest.prefix { $0.isASCIIDigit }
    guard digits(&rest), integerPart == "0" || integerPart.first != "0" else { return false }
    var hasFraction = false
    if rest.first == "." {
      rest = rest.dropFirst()
      guard digits(&rest) else { return false }
      hasFraction = true
    }
    var hasExponent = false
    if rest.first == "e" || rest.first == "E" {
      rest = rest.dropFirst()
      if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
      guard digits(&rest) else { return false }
      hasExponent = true
    }
    return rest.isEmpty && (hasFraction || hasExponent)
  }
}
