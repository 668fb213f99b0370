import Spec

/// `runtimes:` and `default_runtime:`: OCI runtimes besides runc, as containerd's CRI plugin
/// loads them (`ContainerdConfig` writes one `runtimes.<name>` table each, in the pinned
/// version's layout), and the plugin's `default_runtime_name`.
///
/// - `crun`: the release's static binary at `<prefix>/bin/crun` (pinned in the catalog from
///   kubespray's checksums.yml), run through containerd's runc shim (`io.containerd.runc.v2`)
///   with `BinaryName`.
/// - `nvidia`: `nvidia-container-runtime` from the node's packages (the NVIDIA Container
///   Toolkit; nodespec installs no driver or toolkit), through the runc shim with
///   `BinaryName`, and `enable_cdi = true` so that devices named by CDI reach containers.
/// - `youki`, `runsc` (gVisor) and `kata` are refused for now (`unsupported-runtime`).
///
/// The entries reach the kubelet (CRI) only, so they are written with `kubernetes:`; nerdctl
/// and ctr pick a runtime per container (`nerdctl run --runtime crun`).
enum RuntimesModule: CompilerModule {
  /// Where the NVIDIA Container Toolkit's packages install the runtime (`nvidia-ctk runtime
  /// configure` names the same path).
  static let nvidiaRuntime = "/usr/bin/nvidia-container-runtime"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    let runtimes = context.spec.runtimes
    for runtime in [runtimes.youki, runtimes.runsc, runtimes.kata].compactMap({ $0 }) {
      diagnostics.error(
        "unsupported-runtime", "nodespec cannot install `\(runtime.key)` yet",
        at: runtime.range, path: "runtimes.\(runtime.key)",
        hint: "crun and nvidia are supported; install \(runtime.key) yourself and add its "
          + "runtime table through containerd's conf.d")
    }
    checkNvidia(context, diagnostics: &diagnostics)
    checkDefault(context, diagnostics: &diagnostics)
    guard let crun = runtimes.crun else { return }
    let path = "\(context.paths.bin)/crun"
    guard
      let artifact = Downloads.artifact(
        id: "runtimes.crun.binary", component: crun, release: .crun,
        install: .binary(path: path, mode: 0o755), provides: [path], context: context,
        diagnostics: &diagnostics)
    else { return }
    plan.add("runtimes.crun.binary", origin: crun.range, artifact)
  }

  /// The runtime tables config.toml gets besides runc's, in a fixed order.
  static func entries(_ context: CompileContext) -> [ContainerdConfig.Runtime] {
    var entries: [ContainerdConfig.Runtime] = []
    if context.spec.runtimes.crun != nil {
      entries.append(.init(name: "crun", binaryName: "\(context.paths.bin)/crun"))
    }
    if context.spec.runtimes.nvidia != nil {
      entries.append(.init(name: "nvidia", binaryName: nvidiaRuntime))
    }
    return entries
  }

  /// CDI (`enable_cdi`) came with containerd 1.7; the runtime is useful to a kubelet or to
  /// nerdctl (`--runtime`), not to a node with neither.
  private static func checkNvidia(_ context: CompileContext, diagnostics: inout Diagnostics) {
    guard let nvidia = context.spec.runtimes.nvidia else { return }
    if let version = containerdVersion(context), version.line < (1, 7) {
      diagnostics.error(
        "unsupported-runtime",
        "containerd \(version) has no CDI (`enable_cdi` came with 1.7), which the nvidia "
          + "runtime needs to reach GPUs",
        at: nvidia, path: "runtimes.nvidia", hint: "pin containerd 1.7 or later")
    }
    let spec = context.spec
    if !spec.writes("kubernetes"), !spec.writes("components.nerdctl"),
      !spec.writes("components.nerdctl-full")
    {
      diagnostics.warning(
        "nvidia-unused",
        "nothing on this node uses the nvidia runtime: the kubelet (`kubernetes`) or nerdctl "
          + "would",
        at: nvidia, path: "runtimes.nvidia",
        hint: "add `kubernetes:` (the runtime then gets a CRI entry) or nerdctl")
    }
  }

  private static func checkDefault(_ context: CompileContext, diagnostics: inout Diagnostics) {
    let runtimes = context.spec.runtimes
    guard let given = runtimes.defaultRuntime else { return }
    guard runtimes.names.contains(given.value) else {
      diagnostics.error(
        "unknown-runtime", "`\(given.value)` is not a configured runtime", at: given.range,
        path: "default_runtime",
        hint: "one of: " + runtimes.names.map { "`\($0)`" }.joined(separator: ", ")
          + "; a runtime other than runc must also be listed under `runtimes`")
      return
    }
    if given.value != "runc", !context.spec.writes("kubernetes") {
      diagnostics.warning(
        "default-runtime-unused",
        "only the kubelet's CRI plugin reads `default_runtime`; nerdctl and ctr use runc "
          + "unless told otherwise",
        at: given.range, path: "default_runtime",
        hint: "add `kubernetes:`, or pick the runtime per container (`nerdctl run --runtime "
          + "\(given.value)`)")
    }
  }

  /// The pinned containerd, separate or bundled, when known.
  static func containerdVersion(_ context: CompileContext) -> SemanticVersion? {
    let components = context.spec.components
    if let containerd = components.containerd {
      return SemanticVersion(containerd.version.value)
    }
    return components.nerdctlFull.flatMap { SemanticVersion($0.version.value) }.flatMap {
      ContainerdConfig.bundledContainerd(nerdctlFull: $0)
    }
  }
}
