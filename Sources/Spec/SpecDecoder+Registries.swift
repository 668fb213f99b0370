extension SpecDecoder {
  static let registryKeys = SpecKeys.allowed(in: "registry")
  static let mirrorKeys = SpecKeys.allowed(in: "mirror")

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
    // Unwrapped once: each `fields?[…]` copied the optional `Fields` and destroyed the copy.
    guard let fields = fields(entry, allowed: Self.registryKeys) else { return nil }
    let server = fields["server"].flatMap { self.url($0, schemeOptional: true) }
    let fallback = fields["fallback"].flatMap { bool($0) }
    let mirrors = fields["mirrors"].map { self.mirrors($0) } ?? []
    let auth = decoded(fields["auth"]) { $0.auth($1) }
    guard let validName else { return nil }
    var registry = Registry(
      name: validName, server: server, fallback: fallback, mirrors: mirrors,
      range: entry.node.range)
    registry.auth = auth
    return registry
  }

  /// `auth: {username: NAME, password: {file: /path} | {env: VAR}}`. A password written in
  /// the spec itself is refused: a spec is checked into repositories.
  private mutating func auth(_ entry: Entry) -> RegistryAuth? {
    guard let fields = fields(entry, allowed: SpecKeys.allowed(in: "auth")) else { return nil }
    let username = fields["username"].flatMap {
      string(
        $0, matching: SpecGrammar.isBasicAuthUser, else: "invalid-value",
        "is not a user name basic authentication can carry",
        hint: "a non-empty name without `:` (basic authentication joins name and password "
          + "with one)")
    }
    if fields["username"] == nil { missingKey("username", in: entry) }
    var password: Located<Header.Value>?
    if let value = fields["password"] {
      if case .mapping = value.node.kind {
        password = headerValue(value)
      } else {
        var error = Diagnostic(
          .error, id: "literal-secret", "a registry password is never written in the spec",
          at: value.node.range, path: value.path,
          hint: "take it from the environment with `{env: VAR}` or from a file on the node "
            + "with `{file: /path}`")
        // The password is shown nowhere, not even in the excerpt that points at it.
        error.redacted = [value.node.range]
        diagnostics.append(error)
      }
    } else {
      missingKey("password", in: entry, hint: "{file: /etc/nodespec/registry.pass} or {env: VAR}")
    }
    guard let username, let password else { return nil }
    return RegistryAuth(
      username: username, password: password, range: entry.key?.range ?? entry.node.range)
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
    var ca: [Located<String>] = []
    var deliveredCA: Located<Delivered>?
    if let entry = fields["ca"] {
      if case .mapping = entry.node.kind {
        deliveredCA = delivered(entry, allowed: SpecKeys.allowed(in: "certificate"))
      } else {
        ca = oneOrMany(entry) { $0.path($1) }
      }
    }
    var client: [Located<ClientPair>] = []
    var deliveredClient: DeliveredClient?
    if let entry = fields["client"] {
      if case .mapping = entry.node.kind {
        deliveredClient = self.deliveredClient(entry)
      } else {
        client = clients(entry)
      }
    }
    let skipVerify = fields["skip_verify"].flatMap { bool($0) }
    let overridePath = fields["override_path"].flatMap { bool($0) }
    let headers = fields["header"].map { self.headers($0) } ?? []
    guard let url else { return nil }
    var mirror = Mirror(
      url: url, capabilities: capabilities, ca: ca, client: client, skipVerify: skipVerify,
      overridePath: overridePath, headers: headers, range: entry.node.range)
    mirror.deliveredCA = deliveredCA
    mirror.deliveredClient = deliveredClient
    return mirror
  }

  /// `{cert: …, key: …}`: the certificate inline, beside the spec or on the node; the key
  /// beside the spec, on the node or from the environment (never inline: a key is a secret).
  private mutating func deliveredClient(_ entry: Entry) -> DeliveredClient? {
    guard let fields = fields(entry, allowed: SpecKeys.allowed(in: "client")) else { return nil }
    let certificate = fields["cert"].flatMap {
      delivered($0, allowed: SpecKeys.allowed(in: "certificate"))
    }
    let key = fields["key"].flatMap { delivered($0, allowed: SpecKeys.allowed(in: "key")) }
    if fields["cert"] == nil { missingKey("cert", in: entry) }
    if fields["key"] == nil { missingKey("key", in: entry) }
    guard let certificate, let key else { return nil }
    return DeliveredClient(certificate: certificate, key: key)
  }

  /// A one-key mapping naming where a certificate or key comes from.
  private mutating func delivered(_ entry: Entry, allowed: [String]) -> Located<Delivered>? {
    let expected = allowed.map { "{\($0): …}" }.joinedUTF8(separator: ", ")
    guard case .mapping = entry.node.kind else {
      mismatch(entry, expected: expected)
      return nil
    }
    guard let fields = fields(entry, allowed: allowed) else { return nil }
    guard fields.names.count == 1, let name = fields.names.first, let value = fields.values.first
    else {
      // Unknown keys were reported already; several sources, or none at all, were not.
      let empty = { if case .mapping(let pairs) = entry.node.kind { pairs.isEmpty } else { false } }
      if fields.names.count > 1 || empty() {
        diagnostics.error(
          "invalid-value", "name exactly one source: \(expected)", at: entry.node.range,
          path: entry.path)
      }
      return nil
    }
    let range = entry.node.range
    switch name {
    case "pem":
      // PEM is lines: a line break (LF, or CRLF) is the one control character it may hold.
      guard let scalar = value.node.scalar, !value.node.isNull else {
        mismatch(value, expected: "PEM text")
        return nil
      }
      if let bad = scalar.text.unicodeScalars.first(where: {
        $0 != "\n" && $0 != "\r" && $0.isForbiddenInSpecValue
      }) {
        diagnostics.error(
          "control-character", "the PEM text holds the control character \(codePoint(bad))",
          at: value.node.range, path: value.path,
          hint: "paste the PEM as a block scalar (`pem: |`), lines as they are")
        return nil
      }
      return Located(.pem(scalar.text), at: value.node.range)
    case "local":
      guard let text = string(value, expected: "a path relative to the spec") else { return nil }
      if let problem = SpecGrammar.localPathProblem(text.value) {
        diagnostics.error(
          "invalid-local-path", "the path `\(display(text.value))` \(problem)", at: text.range,
          path: value.path,
          hint: "name a file inside the spec's folder, e.g. certs/ca.pem")
        return nil
      }
      return Located(.local(text.value), at: text.range)
    case "file":
      return path(value).map { Located(.file($0.value), at: range) }
    default:
      return string(
        value, matching: SpecGrammar.isEnvironmentName, else: "invalid-env-name",
        "is not an environment variable name",
        hint: "letters, digits and `_`, not starting with a digit"
      ).map { Located(.environment($0.value), at: range) }
    }
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
      let literals = values.filter { if case .literal = $0.value { true } else { false } }
      if ["authorization", "proxy-authorization"].contains(name.lowercased()),
        let literal = literals.first
      {
        var warning = Diagnostic(
          .warning, id: "literal-secret",
          "the `\(display(name))` header holds a credential in the spec itself",
          at: literal.range, path: item.path,
          hint: "take it from the environment with `{env: VAR}` or from a file on the node "
            + "with `{file: /path}`")
        // The credential is shown nowhere, not even in the excerpt that points at it.
        warning.redacted = literals.map(\.range)
        diagnostics.append(warning)
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
    guard let fields = fields(entry, allowed: SpecKeys.allowed(in: "secret")) else { return nil }
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
      if fields.names.isEmpty, case .mapping(let pairs) = entry.node.kind, pairs.isEmpty {
        diagnostics.error(
          "missing-key", "a header value mapping needs `env` or `file`", at: entry.node.range,
          path: entry.path, hint: "e.g. {env: MIRROR_TOKEN} or {file: /etc/mirror-token}")
      }
      return nil
    }
  }
}
