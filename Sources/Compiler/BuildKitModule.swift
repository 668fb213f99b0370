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
            SystemdUnits.buildkit(bin: paths.bin, containerdWorker: containerdWorker)))),
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
  /// per registry (`mirrors`, scheme-less) and per mirror host (`http`, `insecure`, `ca`,
  /// `keypair`), each host once.
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
    func table(_ name: String) -> Int {
      if let index = tables.firstIndex(where: { $0.name == name }) { return index }
      tables.append(RegistryTable(name: name))
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
      if registry.serverHost != nil {
        diagnostics.warning(
          "buildkit-always-falls-back",
          "BuildKit falls back to `\(registry.name)` itself after its mirrors; "
            + "`fallback: false` applies to containerd and nerdctl only",
          at: registry.origin, path: "registries.\(registry.name).fallback")
      }
      let hosts = registry.hosts + [registry.serverHost].compactMap { $0 }
      guard !hosts.isEmpty else { continue }
      let index = table(registry.name)
      for host in hosts {
        tables[index].mirrors.append(host.hostAndPath)
        if host.overridePath == true {
          diagnostics.warning(
            "buildkit-no-override-path",
            "BuildKit has no `override_path`: it may not reach this mirror's API at its path",
            at: host.origin, path: "registries.\(registry.name)")
        }
        if !host.headers.isEmpty {
          diagnostics.warning(
            "buildkit-ignores-headers", "BuildKit cannot send headers to a mirror",
            at: host.origin, path: "registries.\(registry.name)")
        }
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

  private struct RegistryTable {
    var name: String
    var mirrors: [String] = []
    var http = false
    var insecure = false
    var ca: [String] = []
    var keypairs: [ClientPair] = []
  }
}
