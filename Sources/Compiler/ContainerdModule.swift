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
    // Rootless: the user's unit comes from the setup tool (RootlessSetupModule).
    guard context.rootless == nil else { return }
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
    if let version {
      addConfig(
        ContainerdConfig(containerd: version), cniBin: paths.cniBin, context: context,
        into: &plan)
    }
    plan.addService(
      Service(unit: service, unitPath: unitPath, wantedBy: "multi-user.target"),
      origin: containerd.range)
  }

  /// `/etc/containerd/config.toml` when the spec has `kubernetes:` (kubelet talks to
  /// containerd's CRI plugin, which reads it); nerdctl and ctr need none.
  static func addConfig(
    _ config: ContainerdConfig, cniBin: String, context: CompileContext,
    into plan: inout PlanBuilder
  ) {
    guard let kubernetes = context.spec.kubernetes else { return }
    let text = config.render(
      kubernetes: kubernetes, cniBin: cniBin, paths: context.paths,
      runtimes: RuntimesModule.entries(context),
      defaultRuntime: context.spec.runtimes.defaultRuntime?.value ?? "runc",
      enableCDI: context.spec.runtimes.nvidia != nil)
    plan.add(
      "containerd.config", origin: kubernetes.range,
      .file(File(path: context.paths.containerdConfig, content: .init(text))),
      notifies: [service])
  }
}
