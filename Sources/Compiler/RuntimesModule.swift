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
/// - `kata` (Kata Containers, a lightweight VM per pod): the release's `kata-static`
///   `.tar.xz` unpacked over `/`, so that its files land under `/opt/kata` (kata's binaries
///   and configurations name that prefix, so it cannot move); a wrapper
///   `<prefix>/bin/containerd-shim-kata-v2` that runs `/opt/kata/bin/containerd-shim-kata-v2`
///   so that containerd finds the shim on its `PATH` (`runtime_type =
///   "io.containerd.kata.v2"`); the `vhost_vsock` and `vhost_net` modules, loaded and listed
///   in `/etc/modules-load.d/nodespec-kata.conf`; and a warning at run time on a node without
///   `/dev/kvm`. See `kata`.
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
    if let kata = runtimes.kata { self.kata(kata, context, &plan, &diagnostics) }
  }

  /// Where kata's release puts everything: its binaries and configurations are built for this
  /// prefix (`PREFIX=/opt/kata` in kata's tools/packaging/kata-deploy/local-build/
  /// kata-deploy-binaries.sh), so the archive is unpacked over `/` and the prefix cannot move.
  static let kataFolder = "/opt/kata"
  static let kataShim = "\(kataFolder)/bin/containerd-shim-kata-v2"
  /// The QEMU configuration the release ships; `configuration.toml` beside it is a link to
  /// it (tools/packaging/static-build/shim-v2/build.sh at 3.7.0). kata-deploy names it in
  /// containerd's `options.ConfigPath`, as nodespec does.
  static let kataConfiguration =
    "\(kataFolder)/share/defaults/kata-containers/configuration-qemu.toml"
  /// What kata's VMs need from the host kernel: vsock to talk to the agent in the VM and
  /// vhost-net for its network (kubespray's kata-containers role loads the same two).
  static let kataModules = ["vhost_vsock", "vhost_net"]
  static let kataModulesFile = "/etc/modules-load.d/nodespec-kata.conf"

  /// Kata Containers: the release, the shim on containerd's `PATH`, the vhost modules. Root
  /// containerd only: a VM per pod needs `/dev/kvm` and vhost devices that a rootless
  /// containerd's user namespace does not give.
  private static func kata(
    _ kata: Component, _ context: CompileContext, _ plan: inout PlanBuilder,
    _ diagnostics: inout Diagnostics
  ) {
    if context.rootless != nil {
      diagnostics.error(
        "rootless-runtime",
        "Kata Containers runs each pod in a VM, which needs /dev/kvm, vhost devices and "
          + "kernel modules that a rootless containerd cannot use or load",
        at: kata.range, path: "runtimes.kata",
        hint: "use crun or youki in rootless mode, or kata with `mode: root`")
      return
    }
    add(
      "runtimes.kata.archive", kata, .kata, .archive(directory: "/", format: .tarXz),
      [kataShim, kataConfiguration], context, &plan, &diagnostics)
    let header = "# \(Paths.generatedHeader)\n"
    // A wrapper, not a link: a file resource is recorded, repaired and pruned like every
    // other file nodespec writes. `exec` leaves the shim its own path (it re-runs itself).
    plan.add(
      "runtimes.kata.shim", origin: kata.range,
      .file(
        File(
          path: "\(context.paths.bin)/containerd-shim-kata-v2",
          content: .init("#!/bin/sh\n\(header)exec \(kataShim) \"$@\"\n"), mode: 0o755)))
    let modulesFile = header + kataModules.map { "\($0)\n" }.joinedUTF8()
    plan.add(
      "runtimes.kata.modules", origin: kata.range,
      .file(File(path: kataModulesFile, content: .init(modulesFile))))
    for module in kataModules {
      plan.add(
        "runtimes.kata.module.\(module)", origin: kata.range, .kernelModule(.init(name: module)))
    }
    plan.warnings.append(
      NodeWarning(
        unless: "/dev/kvm",
        "/dev/kvm is missing: kata cannot start its VMs (enable hardware or nested "
          + "virtualization)"))
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
    if runtimes.kata != nil {
      // As kata's docs/how-to/containerd-kata.md and kata-deploy write it (3.7.0): a
      // privileged pod gets no host devices, kata's own pod annotations reach the shim.
      entries.append(
        .init(
          name: "kata", runtimeType: "io.containerd.kata.v2", configPath: kataConfiguration,
          privilegedWithoutHostDevices: true, podAnnotations: ["io.katacontainers.*"]))
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
        hint: "one of: " + runtimes.names.map { "`\($0)`" }.joinedUTF8(separator: ", ")
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
