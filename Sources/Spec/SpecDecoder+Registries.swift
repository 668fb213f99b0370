extension SpecDecoder {
  static let registryKeys = ["server", "fallback", "mirrors"]
  static let mirrorKeys = [
    "url", "capabilities", "ca", "client", "skip_verify", "override_path", "header",
  ]

  /// `registries:` maps a registry host (or `_default`) to its mirrors, in spec order.
  mutating func registries(_ entry: Entry) -> [Registry] {
    guard let fields = fields(entry, allowed: nil) else { return [] }
    return fields.entries.compactMap { name, item in registry(name, item) }
  }

  private mutating func registry(_ name: String, _ entry: Entry) -> Registry? {
    let keyRange = entry.key?.range ?? entry.node.range
    let validName = checked(
      Located(name, at: keyRange), SpecGrammar.isRegistryName, else: "invalid-registry-name",
      "is not a registry host", hint: "a host name with an optional :port, or `_default`",
      path: entry.path)
    let fields = fields(entry, allowed: Self.registryKeys)
    let server = fields?["server"].flatMap { self.url($0, schemeOptional: true) }
    let fallback = fields?["fallback"].flatMap { bool($0) }
    let mirrors = fields?["mirrors"].map { self.mirrors($0) } ?? []
    guard let validName, fields != nil else { return nil }
    return Registry(
      name: validName, server: server, fallback: fallback, mirrors: mirrors,
      range: entry.node.range)
  }

  private mutating func mirrors(_ entry: Entry) -> [Mirror] {
    if entry.node.isNull { return [] }
    guard case .sequence(let items) = entry.node.kind else {
      mismatch(entry, expected: "a sequence of mirrors")
      return []
    }
    return items.enumerated().compactMap { index, item in mirror(entry.item(item, index)) }
  }

  /// A URL (the short form), or a mapping with `url` and the hosts.toml options.
  private mutating func mirror(_ entry: Entry) -> Mirror? {
    if entry.node.scalar != nil, !entry.node.isNull {
      return url(entry, schemeOptional: true).map { Mirror(url: $0, range: entry.node.range) }
    }
    guard let fields = fields(entry, allowed: Self.mirrorKeys, expected: "a URL or a mapping")
    else {
      return nil
    }
    let url = fields["url"].flatMap { self.url($0, schemeOptional: true) }
    if fields["url"] == nil { missingKey("url", in: entry) }
    let capabilities = fields["capabilities"].flatMap { self.capabilities($0) }
    let ca = fields["ca"].map { oneOrMany($0) { $0.path($1) } } ?? []
    let client = fields["client"].map { self.clients($0) } ?? []
    let skipVerify = fields["skip_verify"].flatMap { bool($0) }
    let overridePath = fields["override_path"].flatMap { bool($0) }
    let headers = fields["header"].map { self.headers($0) } ?? []
    guard let url else { return nil }
    return Mirror(
      url: url, capabilities: capabilities, ca: ca, client: client, skipVerify: skipVerify,
      overridePath: overridePath, headers: headers, range: entry.node.range)
  }

  private mutating func capabilities(_ entry: Entry) -> Located<[Mirror.Capability]>? {
    guard case .sequence(let items) = entry.node.kind else {
      mismatch(entry, expected: "a sequence such as [pull, resolve]")
      return nil
    }
    guard !items.isEmpty else {
      diagnostics.error(
        "invalid-value", "a mirror needs at least one capability", at: entry.node.range,
        path: entry.path, hint: "leave `capabilities` out for [pull, resolve]")
      return nil
    }
    let values = items.enumerated().compactMap { index, item in
      choice(entry.item(item, index), Mirror.Capability.self)?.value
    }
    return Located(values, at: entry.node.range)
  }

  /// `client: /cert.pem`, or a list of paths and `[cert, key]` pairs.
  private mutating func clients(_ entry: Entry) -> [Located<ClientPair>] {
    oneOrMany(entry) { decoder, item in
      guard case .sequence(let parts) = item.node.kind else {
        return decoder.path(item).map {
          Located(ClientPair(certificate: $0.value, key: ""), at: $0.range)
        }
      }
      guard parts.count == 2 else {
        decoder.diagnostics.error(
          "invalid-value", "a client pair is [certificate, key]; this has \(parts.count) items",
          at: item.node.range, path: item.path, hint: "write [/path/client.cert, /path/client.key]")
        return nil
      }
      let certificate = decoder.path(item.item(parts[0], 0))
      let key = decoder.path(item.item(parts[1], 1))
      guard let certificate, let key else { return nil }
      return Located(
        ClientPair(certificate: certificate.value, key: key.value), at: item.node.range)
    }
  }

  /// `header:` maps HTTP header names to one value or a list of them.
  private mutating func headers(_ entry: Entry) -> [Header] {
    guard let fields = fields(entry, allowed: nil) else { return [] }
    return fields.entries.compactMap { name, item in
      let keyRange = item.key?.range ?? item.node.range
      let validName = checked(
        Located(name, at: keyRange), SpecGrammar.isHeaderName, else: "invalid-header",
        "is not an HTTP header name", hint: "letters, digits and !#$%&'*+-.^_`|~",
        path: item.path)
      let values = oneOrMany(item) { $0.headerValue($1) }
      if ["authorization", "proxy-authorization"].contains(name.lowercased()),
        let literal = values.first(where: { if case .literal = $0.value { true } else { false } })
      {
        diagnostics.warning(
          "literal-secret", "the `\(name)` header holds a credential in the spec itself",
          at: literal.range, path: item.path,
          hint: "take it from the environment with `{env: VAR}` or from a file on the node "
            + "with `{file: /path}`")
      }
      guard let validName else { return nil }
      return Header(name: validName, values: values)
    }
  }

  /// A literal string, `{env: VAR}` (read when compiling) or `{file: /path}` (read on the node).
  private mutating func headerValue(_ entry: Entry) -> Located<Header.Value>? {
    guard case .mapping = entry.node.kind else {
      return string(entry, expected: "a string, {env: VAR} or {file: /path}").map {
        Located(.literal($0.value), at: $0.range)
      }
    }
    guard let fields = fields(entry, allowed: ["env", "file"]) else { return nil }
    switch (fields["env"], fields["file"]) {
    case (let env?, nil):
      let name = string(
        env, matching: SpecGrammar.isEnvironmentName, else: "invalid-env-name",
        "is not an environment variable name",
        hint: "letters, digits and `_`, not starting with a digit")
      return name.map { Located(.environment($0.value), at: entry.node.range) }
    case (nil, let file?):
      return path(file).map { Located(.file($0.value), at: entry.node.range) }
    case (_?, _?):
      diagnostics.error(
        "invalid-value", "a header value comes from `env` or from `file`, not both",
        at: entry.node.range, path: entry.path)
      return nil
    case (nil, nil):
      // Unknown keys were reported already; an empty mapping was not.
      if fields.entries.isEmpty, case .mapping(let pairs) = entry.node.kind, pairs.isEmpty {
        diagnostics.error(
          "missing-key", "a header value mapping needs `env` or `file`", at: entry.node.range,
          path: entry.path, hint: "e.g. {env: MIRROR_TOKEN} or {file: /etc/mirror-token}")
      }
      return nil
    }
  }
}
