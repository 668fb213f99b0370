import Spec

/// The nerdctl-full bundle, extracted into `<prefix>`: containerd, runc, BuildKit, the CNI
/// plugins (in `libexec/cni`), nerdctl and their systemd units. It replaces the five
/// separate components, so it cannot be combined with them.
enum NerdctlFullModule: CompilerModule {
  /// The units in the bundle run `/usr/local/bin/...`; for that prefix they are used as
  /// shipped.
  static let bundlePrefix = "/usr/local"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let full = context.spec.components.nerdctlFull else { return }
    let paths = context.paths
    let components = context.spec.components
    let others = [
      components.containerd, components.runc, components.cni, components.nerdctl,
      components.buildkit,
    ].compactMap { $0 }
    if !others.isEmpty {
      diagnostics.error(
        // The spec decoder reports this too; kept for specs built in code.
        "conflicting-components",
        "nerdctl-full bundles containerd, runc, CNI, nerdctl and BuildKit; "
          + "it cannot be combined with "
          + others.map { "`\($0.key)`" }.joinedUTF8(separator: ", "),
        at: full.range, path: "components.nerdctl-full",
        notes: others.map { .init("\($0.key) given here", at: $0.range) })
    }
    KnownIssues.check(full, diagnostics: &diagnostics)
    let version = SemanticVersion(full.version.value)
    if version == nil {
      diagnostics.error(
        "invalid-version", "`\(full.version.value)` is not a nerdctl-full version",
        at: full.version.range, path: "components.nerdctl-full.version")
    }
    let containerdWorker = BuildKitModule.usesContainerdWorker(full, context: context)

    // The bundle's own units, under `<prefix>/lib/systemd/system`; systemd sees them only for
    // a standard prefix, and they run /usr/local/bin/..., so only /usr/local uses them.
    let usesBundledUnits = paths.prefix == bundlePrefix || context.rootless != nil
    let bundled = paths.underPrefix("lib/systemd/system")
    let unitFolder = usesBundledUnits ? bundled : paths.systemdUnits
    let containerdUnit = "\(unitFolder)/\(ContainerdModule.service)"
    let buildkitUnit = "\(unitFolder)/\(BuildKitModule.service)"
    if let artifact = Downloads.artifact(
      id: "nerdctl-full.archive", component: full, release: .nerdctlFull,
      install: .archive(directory: paths.prefix.isEmpty ? "/" : paths.prefix),
      provides: ["containerd", "runc", "buildkitd", "nerdctl"].map { "\(paths.bin)/\($0)" }
        + [ContainerdModule.service, BuildKitModule.service].map { "\(bundled)/\($0)" },
      context: context, diagnostics: &diagnostics)
    {
      plan.add(
        "nerdctl-full.archive", origin: full.range, artifact,
        notifies: [
          ContainerdModule.service, context.buildkitService(containerdWorker: containerdWorker),
        ])
    }
    if !usesBundledUnits {
      // The shipped units would run /usr/local/bin/...; write them with this prefix, as the
      // bundled containerd's release ships them. (Rootless mode uses the setup tool's user
      // units instead.)
      let containerd = version.flatMap { ContainerdConfig.bundledContainerd(nerdctlFull: $0) }
      plan.add(
        "containerd.unit", origin: full.range,
        .file(
          File(
            path: containerdUnit,
            content: .init(
              SystemdUnits.containerd(
                bin: paths.bin, version: containerd, environment: paths.unitEnvironment)))),
        notifies: [ContainerdModule.service])
      plan.add(
        "buildkit.unit", origin: full.range,
        .file(
          File(
            path: buildkitUnit,
            content: .init(
              SystemdUnits.nerdctlFullBuildkit(
                bin: paths.bin, version: containerd, environment: paths.unitEnvironment)))),
        notifies: [BuildKitModule.service])
    }
    if let version {
      ContainerdModule.addConfig(
        ContainerdConfig(nerdctlFull: version),
        version: ContainerdConfig.bundledContainerd(nerdctlFull: version),
        cniBin: paths.underPrefix("libexec/cni"), origin: full.range, context: context,
        into: &plan,
        diagnostics: &diagnostics)
    }
    NerdctlModule.addConfigAndCompletion(for: full, context: context, into: &plan)
    // The bundle's buildkit.service has no worker flags: this file picks the worker.
    BuildKitModule.addConfig(
      containerdWorker: containerdWorker, origin: full.range, context: context, into: &plan,
      diagnostics: &diagnostics)
    // Rootless: the user's units come from the setup tool (RootlessSetupModule).
    guard context.rootless == nil else { return }
    let services = [
      (ContainerdModule.service, containerdUnit), (BuildKitModule.service, buildkitUnit),
    ]
    for (unit, path) in services {
      plan.addService(
        Service(unit: unit, unitPath: path, wantedBy: "multi-user.target"), origin: full.range)
    }
  }
}
