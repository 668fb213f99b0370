import Spec

/// `runtimes:` and `default_runtime:`: OCI runtimes besides runc, as containerd's CRI plugin
/// loads them (`ContainerdConfig` writes one `runtimes.<name>` table each, in the pinned
/// version's layout), and the plugin's `default_runtime_name`.
///
/// - `crun`: the release's static binary at `<prefix>/bin/crun` (pinned in the catalog from
///   kubespray's checksums.yml), run through containerd's runc shim (`io.containerd.runc.v2`)
///   with `BinaryName`.
/// - `youki`: the release tarball (glibc build; `youki`, README.md, LICENSE) unpacked into
///   `<prefix>/libexec/youki`, run through the runc shim with `BinaryName`.
/// - `runsc` (gVisor): the raw binaries `runsc` and `containerd-shim-runsc-v1` at
///   `<prefix>/bin`, pinned by sha512; `runtime_type = "io.containerd.runsc.v1"` makes
///   containerd start that shim from its `PATH` (the unit's `PATH` holds `<prefix>/bin`), and
///   the shim runs `runsc`.
/// - `nvidia`: `nvidia-container-runtime` from the node's packages (the NVIDIA Container
///   Toolkit; nodespec installs no driver or toolkit), through the runc shim with
///   `BinaryName`, and `enable_cdi = true` so that devices named by CDI reach containers.
/// - `kata` is refused (`unsupported-runtime`): see `refuseKata`.
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
    if let kata = runtimes.kata { refuseKata(kata, diagnostics: &diagnostics) }
    checkNvidia(context, diagnostics: &diagnostics)
    checkDefault(context, diagnostics: &diagnostics)
    if let crun = runtimes.crun {
      let path = "\(context.paths.bin)/crun"
      add(
        "runtimes.crun.binary", crun, .crun, .binary(path: path, mode: 0o755), [path], context,
        &plan, &diagnostics)
    }
    if let youki = runtimes.youki {
      add(
        "runtimes.youki.archive", youki, .youki, .archive(directory: youkiFolder(context.paths)),
        [youkiBinary(context.paths)], context, &plan, &diagnostics)
    }
    if let runsc = runtimes.runsc, checkRunsc(runsc, context, &diagnostics) {
      let binaries: [(String, CatalogComponent, String)] = [
        ("runtimes.runsc.binary", .runsc, "runsc"),
        ("runtimes.runsc.shim", .runscShim, "containerd-shim-runsc-v1"),
      ]
      for (id, release, name) in binaries {
        let path = "\(context.paths.bin)/\(name)"
        add(
          id, file(name, of: runsc), release, .binary(path: path, mode: 0o755), [path], context,
          &plan, &diagnostics)
      }
    }
  }

  /// youki's tarball holds README.md and LICENSE beside the binary, so it gets a folder of
  /// its own rather than `<prefix>/bin`.
  static func youkiFolder(_ paths: Paths) -> String { paths.underPrefix("libexec/youki") }
  static func youkiBinary(_ paths: Paths) -> String { "\(youkiFolder(paths))/youki" }

  private static func add(
    _ id: String, _ component: Component, _ release: CatalogComponent,
    _ install: Artifact.Install, _ provides: [String], _ context: CompileContext,
    _ plan: inout PlanBuilder, _ diagnostics: inout Diagnostics
  ) {
    guard
      let artifact = Downloads.artifact(
        id: id, component: component, release: release, install: install, provides: provides,
        context: context, diagnostics: &diagnostics)
    else { return }
    plan.add(id, origin: component.range, artifact)
  }

  /// The entry for one of gVisor's two files: `url:` names the folder that holds both (as
  /// gVisor's bucket has one per version and arch), so the file's name is appended.
  private static func file(_ name: String, of runsc: Component) -> Component {
    var file = runsc
    file.url = runsc.url.map { given in
      var folder = given.value.value
      while folder.hasSuffix("/") { folder.removeLast() }
      return Located(ArchValue(arch: given.value.arch, value: "\(folder)/\(name)"), at: given.range)
    }
    return file
  }

  /// gVisor is two downloads (`runsc` and its shim) from one entry, so a `sha256:` cannot say
  /// which file it means; and nodespec sets runsc up for root containerd only.
  private static func checkRunsc(
    _ runsc: Component, _ context: CompileContext, _ diagnostics: inout Diagnostics
  ) -> Bool {
    var fine = true
    for given in runsc.sha256.map(\.range) {
      diagnostics.error(
        "runsc-override",
        "runsc is two downloads, `runsc` and `containerd-shim-runsc-v1`, and one `sha256:` "
          + "cannot vouch for both",
        at: given, path: "runtimes.runsc",
        hint: "name a version the catalog pins (sha512 from kubespray), e.g. `runsc: "
          + "\"\(latestRunsc)\"`; `url:` may name a folder holding both files")
      fine = false
    }
    if context.rootless != nil {
      diagnostics.error(
        "rootless-runtime",
        "nodespec sets gVisor up for root containerd only: under rootless containerd runsc "
          + "needs its `--rootless` flag passed through a shim configuration (runsc.toml) "
          + "that nodespec does not write",
        at: runsc.range, path: "runtimes.runsc",
        hint: "use crun or youki in rootless mode, or runsc with `mode: root`")
      fine = false
    }
    return fine
  }

  /// The newest gVisor release the catalog pins, for hints.
  private static var latestRunsc: String {
    Catalog.builtin.releases(of: .runsc).first?.version ?? "20260817.0"
  }

  /// Kata Containers is a VM per pod: its release is one `kata-static` tarball (`.tar.xz`,
  /// `.tar.zst` from 3.x releases kubespray pins lately) unpacked over `/opt/kata`, with a
  /// hypervisor configuration (`configuration-qemu.toml`), a shim per hypervisor and
  /// `vhost_vsock`/`vhost_net` modules on a node with hardware virtualization. nodespec unpacks
  /// `.tar.gz` only and writes none of that, so it refuses kata rather than half-install it.
  private static func refuseKata(_ kata: Component, diagnostics: inout Diagnostics) {
    diagnostics.error(
      "unsupported-runtime",
      "nodespec does not install Kata Containers: its `kata-static` release (.tar.xz or "
        + ".tar.zst) needs a hypervisor configuration and KVM on the node, which nodespec "
        + "does not set up",
      at: kata.range, path: "runtimes.kata",
      hint: "install kata with kata-deploy or kata-manager, and add its `io.containerd.kata.v2` "
        + "runtime table through containerd's conf.d")
  }

  /// The runtime tables config.toml gets besides runc's, in a fixed order.
  static func entries(_ context: CompileContext) -> [ContainerdConfig.Runtime] {
    var entries: [ContainerdConfig.Runtime] = []
    let runtimes = context.spec.runtimes
    if runtimes.crun != nil {
      entries.append(.init(name: "crun", binaryName: "\(context.paths.bin)/crun"))
    }
    if runtimes.youki != nil {
      entries.append(.init(name: "youki", binaryName: youkiBinary(context.paths)))
    }
    if runtimes.runsc != nil {
      entries.append(.init(name: "runsc", runtimeType: "io.containerd.runsc.v1"))
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
