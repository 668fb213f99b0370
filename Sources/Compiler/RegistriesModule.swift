import Spec

/// One `hosts.toml` per registry under `/etc/containerd/certs.d`, written the way containerd
/// parses it (domain-facts.md section 6):
///
/// - every host keeps an explicit scheme;
/// - no `server` line unless the spec sets one: containerd then falls back to the registry
///   itself after the mirrors (docker.io: `https://registry-1.docker.io`), which is also right
///   for `_default`;
/// - `fallback: false` writes the last mirror as `server`, so nothing reaches upstream;
/// - capabilities are always written (containerd's own default is all of them).
///
/// containerd reads these files on every pull, so they never restart it. A file with a
/// secret header is mode 0600.
enum RegistriesModule: CompilerModule {
  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    for registry in context.registries {
      for file in registry.delivered {
        plan.add(
          file.id, origin: file.origin,
          .file(
            File(
              path: file.path, content: file.content, mode: file.mode,
              owner: context.paths.configOwner)))
      }
      let content = hostsTOML(registry)
      plan.add(
        "registry.\(registry.folder).hosts", origin: registry.origin,
        .file(
          File(
            path: context.paths.hostsFile(folder: registry.folder), content: content,
            mode: content.isSecret ? 0o600 : 0o644, owner: context.paths.configOwner)))
    }
  }

  static func hostsTOML(_ registry: ResolvedRegistry) -> File.Content {
    var toml = TOMLWriter()
    if let serverHost = registry.serverHost {
      toml.set("server", .string(serverHost.url))
      write(serverHost, headerTable: ["header"], into: &toml)
    } else if let server = registry.server {
      toml.set("server", .string(server))
    }
    if let authorization = registry.authorization {
      // The root table's headers go to the server (the registry itself without `server`).
      toml.table(["header"])
      toml.markSecret()
      toml.set("Authorization", value(authorization))
    }
    if registry.hosts.isEmpty {
      // containerd 1.6 and 1.7 refuse a hosts.toml without a `host` table (`invalid `host`
      // tree`, getSortedHosts in remotes/docker/config/hosts.go), and so every pull of the
      // registry; an empty one means no mirrors to every version.
      toml.table(["host"])
    }
    for host in registry.hosts {
      toml.table(["host", host.url])
      write(host, headerTable: ["host", host.url, "header"], into: &toml)
    }
    return toml.content
  }

  /// The host's keys in the current table, then its headers in their own table.
  private static func write(
    _ host: ResolvedHost, headerTable: [String], into toml: inout TOMLWriter
  ) {
    toml.set("capabilities", .array(host.capabilities.map { .string($0.rawValue) }))
    if !host.ca.isEmpty { toml.set("ca", .array(host.ca.map(TOMLValue.string))) }
    if !host.client.isEmpty {
      toml.set(
        "client",
        .array(host.client.map { .array([.string($0.certificate), .string($0.key)]) }))
    }
    if let skip = host.skipVerify { toml.set("skip_verify", .bool(skip)) }
    if let override = host.overridePath { toml.set("override_path", .bool(override)) }
    guard !host.headers.isEmpty else { return }
    toml.table(headerTable)
    for header in host.headers {
      let values = header.values.map(value)
      if header.values.contains(where: \.isSecret) { toml.markSecret() }
      toml.set(header.name, values.count == 1 ? values[0] : .array(values))
    }
  }

  private static func value(_ value: ResolvedHeader.Value) -> TOMLValue {
    switch value {
    case .literal(let text): .string(text)
    case .secret(let text): .string(text)
    case .file(let path): .secretFile(path: path)
    case .basicAuthFile(let username, let path): .basicAuthFile(username: username, path: path)
    }
  }
}
