import Spec

/// Rootless mode's last steps: nerdctl's `containerd-rootless-setuptool.sh` run as the user
/// (after every binary and configuration file is in place), then the user's units as services,
/// so that a changed bundle or `buildkitd.toml` restarts them in the user's manager.
///
/// The tool writes `~/.config/systemd/user/<unit>` and enables and starts it; that unit file
/// is each step's guard, so a second run does nothing. It needs the user's systemd manager,
/// so without a running systemd these steps are skipped (and say so).
enum RootlessSetupModule: CompilerModule {
  static let setuptool = "containerd-rootless-setuptool.sh"
  /// The user units' target (`[Install] WantedBy=` of the units the tool writes).
  static let wantedBy = "default.target"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let user = context.rootless else { return }
    let components = context.spec.components
    guard let runtime = components.nerdctlFull ?? components.containerd else { return }
    let tool = "\(context.paths.bin)/\(setuptool)"
    // The tool bakes its PATH into the units: the prefix's binaries first.
    let path = EnvironmentVariable(
      name: "PATH",
      value: [context.paths.bin, context.paths.sbin, "/usr/local/sbin", "/usr/local/bin"]
        .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        .joinedUTF8(separator: ":") + ":/usr/sbin:/usr/bin:/sbin:/bin")

    let containerdUnit = "\(user.userUnits)/\(ContainerdModule.service)"
    plan.add(
      "rootless.setup.containerd", origin: runtime.range,
      .command(
        Command(
          title: "install rootless containerd for \(user.name)", argv: [tool, "install"],
          user: user.name, environment: [path], guard: .creates(containerdUnit))),
      condition: .systemdRunning)
    plan.addService(
      Service(
        unit: ContainerdModule.service, unitPath: containerdUnit, wantedBy: wantedBy,
        scope: .user(user.name)), origin: runtime.range, condition: .systemdRunning)

    guard let buildkit = components.nerdctlFull ?? components.buildkit else { return }
    let containerdWorker = BuildKitModule.usesContainerdWorker(buildkit, context: context)
    let unit = buildkitService(containerdWorker: containerdWorker)
    let buildkitUnit = "\(user.userUnits)/\(unit)"
    // The containerd worker in nerdctl's namespace, as nerdctl docs/build.md recommends: the
    // images BuildKit builds are then the ones `nerdctl images` lists.
    let environment =
      containerdWorker
      ? [path, EnvironmentVariable(name: "CONTAINERD_NAMESPACE", value: "default")]
      : [path]
    plan.add(
      "rootless.setup.buildkit", origin: buildkit.range,
      .command(
        Command(
          title: "install rootless BuildKit for \(user.name)",
          argv: [tool, containerdWorker ? "install-buildkit-containerd" : "install-buildkit"],
          user: user.name, environment: environment, guard: .creates(buildkitUnit))),
      condition: .systemdRunning)
    plan.addService(
      Service(unit: unit, unitPath: buildkitUnit, wantedBy: wantedBy, scope: .user(user.name)),
      origin: buildkit.range, condition: .systemdRunning)
  }

  /// The BuildKit unit the setup tool writes: with `CONTAINERD_NAMESPACE=default` (the
  /// containerd worker) it is named after the namespace.
  static func buildkitService(containerdWorker: Bool) -> String {
    containerdWorker ? "default-\(BuildKitModule.service)" : BuildKitModule.service
  }
}

extension CompileContext {
  /// The id of the BuildKit service resource that a changed BuildKit binary or
  /// `buildkitd.toml` restarts: the system unit, or in rootless mode the user's.
  func buildkitService(containerdWorker: Bool) -> String {
    rootless == nil
      ? BuildKitModule.service
      : RootlessSetupModule.buildkitService(containerdWorker: containerdWorker)
  }
}
