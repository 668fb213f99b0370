import Spec

/// containerd from its release tarball, extracted into `<prefix>` (`bin/containerd`, `ctr`,
/// `containerd-shim-runc-v2`), with the upstream unit and, for Kubernetes, a `config.toml`
/// in the layout of the pinned version. The tarball, the unit and the config restart it;
/// hosts.toml files never do (containerd reads them on every pull).
enum ContainerdModule: CompilerModule {
  static let service = "containerd.service"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let containerd = context.spec.components.containerd else { return }
    let paths = context.paths
    let path = "components.containerd.version"
    KnownIssues.check(containerd, diagnostics: &diagnostics)
    let version = SemanticVersion(containerd.version.value)
    if version == nil {
      diagnostics.error(
        "invalid-version", "`\(containerd.version.value)` is not a containerd version",
        at: containerd.version.range, path: path, hint: "write it as MAJOR.MINOR.PATCH")
    }
    let isStatic = containerd.staticBuild?.value ?? false
    if isStatic, let version, version.line < (1, 7), let flag = containerd.staticBuild {
      diagnostics.error(
        "no-static-build", "containerd publishes static builds from 1.7 on", at: flag.range,
        path: "components.containerd.static")
    }
    if !context.spec.writes("components.runc") {
      diagnostics.warning(
        "missing-runc", "containerd runs containers with runc, which the spec does not install",
        at: containerd.range, path: "components.containerd",
        hint: "add `runc:` to `components` (or use nerdctl-full, which bundles it)")
    }

    if let artifact = Downloads.artifact(
      id: "containerd.archive", component: containerd,
      release: isStatic ? .containerdStatic : .containerd,
      install: .archive(directory: paths.prefix.isEmpty ? "/" : paths.prefix),
      provides: ["containerd", "ctr", "containerd-shim-runc-v2"].map { "\(paths.bin)/\($0)" },
      context: context, diagnostics: &diagnostics)
    {
      plan.add("containerd.archive", origin: containerd.range, artifact, notifies: [service])
    }
    let config = version.map(ContainerdConfig.init(containerd:))
    // Rootless: the user's unit comes from the setup tool (RootlessSetupModule).
    guard context.rootless == nil else {
      if let config {
        addConfig(
          config, version: version, cniBin: paths.cniBin, origin: containerd.range,
          context: context, into: &plan, diagnostics: &diagnostics)
      }
      return
    }
    let unitPath = "\(paths.systemdUnits)/\(service)"
    plan.add(
      "containerd.unit", origin: containerd.range,
      .file(
        File(
          path: unitPath,
          content: .init(
            SystemdUnits.containerd(
              bin: paths.bin, version: version, environment: paths.unitEnvironment)))),
      notifies: [service])
    if let config {
      addConfig(
        config, version: version, cniBin: paths.cniBin, origin: containerd.range,
        context: context, into: &plan, diagnostics: &diagnostics)
    }
    plan.addService(
      Service(unit: service, unitPath: unitPath, wantedBy: "multi-user.target"),
      origin: containerd.range)
  }

  /// `config.toml`, whenever containerd is installed: the layout's version, the conf.d
  /// `imports` (so drop-ins survive every run), the data folders, and the CRI tables with
  /// `kubernetes`, with `settings:` merged in. It restarts containerd when it changed.
  ///
  /// - Parameter version: the containerd it is for (the bundled one for nerdctl-full), when
  ///   known: its key set judges `settings:`.
  static func addConfig(
    _ config: ContainerdConfig, version: SemanticVersion?, cniBin: String, origin: SourceRange,
    context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    let spec = context.spec
    let containerd = spec.components.containerd
    var root = containerd?.root
    var state = containerd?.state
    for (folder, name) in [(root, "root"), (state, "state")] {
      guard let folder else { continue }
      if context.rootless != nil {
        diagnostics.error(
          "rootless-data-folder",
          "rootless containerd keeps its data under the user's ~/.local/share/containerd",
          at: folder.range, path: "components.containerd.\(name)",
          hint: "containerd-rootless.sh mounts that folder at /var/lib/containerd; remove `\(name)`"
        )
        continue
      }
      diagnostics.warning(
        "data-folder-not-moved",
        "containerd's \(name) becomes `\(folder.value)`; what the old one holds is not moved",
        at: folder.range, path: "components.containerd.\(name)",
        hint: name == "root"
          ? "images and snapshots stay in the old folder: pull them again, or move the folder "
            + "while containerd is stopped before applying"
          : "the shims of running containers keep their sockets in the old folder, where the "
            + "restarted containerd does not look: stop them before applying")
    }
    if context.rootless != nil { (root, state) = (nil, nil) }
    let paths = context.paths
    var table = config.table(
      kubernetes: spec.kubernetes, cniBin: cniBin, paths: paths, root: root?.value,
      state: state?.value, runtimes: RuntimesModule.entries(context),
      defaultRuntime: spec.runtimes.defaultRuntime?.value ?? "runc",
      enableCDI: spec.runtimes.nvidia != nil)
    if let settings = containerd?.settings {
      ContainerdSettings.merge(
        settings, into: &table, keys: version.flatMap(ContainerdConfigKeys.forVersion),
        dropIns: ContainerdConfig.dropInFolder(paths), diagnostics: &diagnostics)
    }
    var toml = TOMLWriter()
    table.render(into: &toml)
    plan.add(
      "containerd.config", origin: spec.kubernetes?.range ?? origin,
      .file(File(path: paths.containerdConfig, content: toml.content, owner: paths.configOwner)),
      notifies: [service])
  }
}
