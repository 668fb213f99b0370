import Spec

/// BuildKit: the release tarball into `<prefix>` (`bin/buildkitd`, `bin/buildctl`), the
/// upstream example socket and service units, and `/etc/buildkit/buildkitd.toml` with the
/// worker and the registry mirrors (BuildKit does not read hosts.toml).
enum BuildKitModule: CompilerModule {
  static let service = "buildkit.service"
  static let socket = "buildkit.socket"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let buildkit = context.spec.components.buildkit else { return }
    let paths = context.paths
    let containerdWorker = usesContainerdWorker(buildkit, context: context)
    let service = context.buildkitService(containerdWorker: containerdWorker)
    if containerdWorker, !context.installsContainerd {
      diagnostics.error(
        "buildkit-worker-needs-containerd",
        "the containerd worker needs containerd, which the spec does not install",
        at: buildkit.worker?.range ?? buildkit.range, path: "components.buildkit.worker",
        hint: "add `containerd:` to `components`, or use `worker: oci`")
    }
    if let artifact = Downloads.artifact(
      id: "buildkit.archive", component: buildkit, release: .buildkit,
      install: .archive(directory: paths.prefix.isEmpty ? "/" : paths.prefix),
      provides: ["buildkitd", "buildctl"].map { "\(paths.bin)/\($0)" }, context: context,
      diagnostics: &diagnostics)
    {
      plan.add("buildkit.archive", origin: buildkit.range, artifact, notifies: [service])
    }
    guard context.rootless == nil else {
      // Rootless: the user's units come from the setup tool (RootlessSetupModule).
      addConfig(
        containerdWorker: containerdWorker, origin: buildkit.range, context: context,
        into: &plan, diagnostics: &diagnostics)
      return
    }
    let socketPath = "\(paths.systemdUnits)/\(socket)"
    let servicePath = "\(paths.systemdUnits)/\(service)"
    // Restarting the socket stops the service (it `Requires=` the socket), so a changed
    // socket restarts both, socket first.
    plan.add(
      "buildkit.socket.unit", origin: buildkit.range,
      .file(File(path: socketPath, content: .init(SystemdUnits.buildkitSocket))),
      notifies: [socket, service])
    plan.add(
      "buildkit.unit", origin: buildkit.range,
      .file(
        File(
          path: servicePath,
          content: .init(
            SystemdUnits.buildkit(
              bin: paths.bin, containerdWorker: containerdWorker,
              environment: paths.unitEnvironment)))),
      notifies: [service])
    addConfig(
      containerdWorker: containerdWorker, origin: buildkit.range, context: context,
      into: &plan, diagnostics: &diagnostics)
    plan.addService(
      Service(unit: socket, unitPath: socketPath, wantedBy: "sockets.target"),
      origin: buildkit.range)
    plan.addService(
      Service(unit: service, unitPath: servicePath, wantedBy: "multi-user.target"),
      origin: buildkit.range)
  }

  /// The worker: as the spec says, else containerd's when the node gets containerd.
  static func usesContainerdWorker(_ buildkit: Component, context: CompileContext) -> Bool {
    switch buildkit.worker?.value {
    case .containerd: true
    case .oci: false
    case nil: context.installsContainerd
    }
  }

  /// `/etc/buildkit/buildkitd.toml` (also for nerdctl-full's BuildKit), restarting BuildKit.
  static func addConfig(
    containerdWorker: Bool, origin: SourceRange, context: CompileContext,
    into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    let text = config(
      containerdWorker: containerdWorker, registries: context.registries,
      diagnostics: &diagnostics)
    plan.add(
      "buildkit.config", origin: origin,
      .file(
        File(
          path: context.paths.buildkitConfig, content: .init(text),
          owner: context.paths.configOwner)),
      notifies: [context.buildkitService(containerdWorker: containerdWorker)])
  }

  /// The worker tables (nerdctl's documented rootful file: the containerd worker in the
  /// `default` namespace, where nerdctl looks for images), then one `[registry."…"]` table
  /// per registry (`mirrors`, in BuildKit's form) and per mirror host (`http`, `insecure`,
  /// `ca`, `keypair`), each host once, in the order first met.
  ///
  /// Linear in the number of registries and mirrors: tables are found by name through an
  /// index, never by a scan (1,000 registries cost 1,000 times one).
  static func config(
    containerdWorker: Bool, registries: [ResolvedRegistry], diagnostics: inout Diagnostics
  ) -> String {
    var toml = TOMLWriter()
    toml.table(["worker", "oci"])
    toml.set("enabled", .bool(!containerdWorker))
    toml.table(["worker", "containerd"])
    toml.set("enabled", .bool(containerdWorker))
    if containerdWorker { toml.set("namespace", .string("default")) }

    var tables: [RegistryTable] = []
    var index: [String: Int] = [:]
    func table(_ name: String) -> Int {
      if let found = index[name] { return found }
      tables.append(RegistryTable(name: name))
      index[name] = tables.count - 1
      return tables.count - 1
    }
    for registry in registries {
      guard registry.name != "_default" else {
        diagnostics.warning(
          "buildkit-no-default-registry",
          "BuildKit has no catch-all registry; `_default` mirrors do not apply to builds",
          at: registry.origin, path: "registries._default")
        continue
      }
      if let auth = registry.authOrigin {
        // buildkitd.toml has no credentials (util/resolver/config RegistryConfig, v0.18.1 to
        // v0.29.0): buildkitd asks the client for them through its session.
        diagnostics.warning(
          "buildkit-ignores-auth",
          "buildkitd cannot take credentials from its configuration; builds pulling from "
            + "`\(registry.name)` authenticate with the credentials of the client "
            + "(buildctl, nerdctl build) from its user's ~/.docker/config.json",
          at: auth, path: "registries.\(registry.name).auth",
          hint: "run `nerdctl login \(registry.name)` as the user who builds")
      }
      if registry.serverHost != nil {
        diagnostics.warning(
          "buildkit-always-falls-back",
          "BuildKit falls back to `\(registry.name)` itself after its mirrors; "
            + "`fallback: false` applies to containerd and nerdctl only",
          at: registry.origin, path: "registries.\(registry.name).fallback")
      }
      var hosts: [ResolvedHost] = []
      for host in registry.hosts + [registry.serverHost].compactMap({ $0 }) {
        if !host.headers.isEmpty {
          diagnostics.warning(
            "buildkit-ignores-headers", "BuildKit cannot send headers to a mirror",
            at: host.origin, path: "registries.\(registry.name)")
        }
        guard let mirror = mirror(host) else {
          diagnostics.warning(
            "buildkit-mirror-path",
            "containerd reaches this mirror's API at `\(apiRoot(host))`; BuildKit reaches a "
              + "mirror's API only at `/v2` or `/v2/<path>`, so builds do not use this mirror",
            at: host.origin, path: "registries.\(registry.name)",
            hint: "a mirror whose API root is `/v2/<path>` is written "
              + "`https://host/v2/<path>` with `override_path: true`, which both can use")
          continue
        }
        tables[table(registry.name)].mirrors.append(mirror)
        hosts.append(host)
      }
      for host in hosts {
        let mirror = table(host.host)
        if host.isPlainHTTP { tables[mirror].http = true }
        if host.skipVerify == true { tables[mirror].insecure = true }
        for ca in host.ca where !tables[mirror].ca.contains(ca) { tables[mirror].ca.append(ca) }
        for pair in host.client where !tables[mirror].keypairs.contains(pair) {
          tables[mirror].keypairs.append(pair)
        }
      }
    }
    for entry in tables
    where !entry.mirrors.isEmpty || entry.http || entry.insecure || !entry.ca.isEmpty
      || !entry.keypairs.isEmpty
    {
      let key = ["registry", entry.name]
      toml.table(key)
      if !entry.mirrors.isEmpty { toml.set("mirrors", .array(entry.mirrors.map(TOMLValue.string))) }
      if entry.http { toml.set("http", .bool(true)) }
      if entry.insecure { toml.set("insecure", .bool(true)) }
      if !entry.ca.isEmpty { toml.set("ca", .array(entry.ca.map(TOMLValue.string))) }
      for pair in entry.keypairs {
        toml.arrayTable(key + ["keypair"])
        toml.set("key", .string(pair.key))
        toml.set("cert", .string(pair.certificate))
      }
    }
    return toml.content.literalText ?? ""
  }

  /// The path at which containerd sends this host's registry API requests (hosts.go
  /// `parseHostConfig`): the URL's path, cleaned, with `/v2` appended unless it already ends
  /// in `/v2` or `override_path` is set. A trailing `/` is dropped here, as normalising the
  /// URL does.
  static func apiRoot(_ host: ResolvedHost) -> String {
    var rest = Substring(host.url)
    if let scheme = rest.firstUTF8Range(of: "://") { rest = rest[scheme.upperBound...] }
    var segments: [Substring] = []
    if let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) {
      for segment in rest[slash...].split(separator: "/") where segment != "." {
        if segment == ".." { _ = segments.popLast() } else { segments.append(segment) }
      }
    }
    let path = segments.map { "/" + String($0) }.joinedUTF8()
    if path.hasSuffix("/v2") || host.overridePath == true { return path.isEmpty ? "/" : path }
    return path + "/v2"
  }

  /// The host in buildkitd.toml's `mirrors` form, `host[:port][/path]`, whose API root
  /// BuildKit builds as `/v2/<path>` (resolver.go `newMirrorRegistryHost`); nil when
  /// containerd's API root for it does not start with `/v2`, which BuildKit cannot reach.
  static func mirror(_ host: ResolvedHost) -> String? {
    let root = apiRoot(host)
    if root == "/v2" { return host.host }
    guard root.hasPrefix("/v2/") else { return nil }
    return host.host + root.dropFirst(3)
  }

  private struct RegistryTable {
    var name: String
    var mirrors: [String] = []
    var http = false
    var insecure = false
    var ca: [String] = []
    var keypairs: [ClientPair] = []
  }
}
