import Spec

/// containerd's `config.toml`, in the layout the installed containerd reads natively
/// (domain-facts.md section 5): the data folders, the conf.d `imports`, and for Kubernetes
/// the CRI tables. Tools that patch one layout break on the next, so nodespec picks it from
/// the pinned version at compile time.
struct ContainerdConfig: Equatable {
  /// The config file `version =` and its CRI plugin tables.
  enum Layout: Int, Equatable {
    /// containerd 1.x: `io.containerd.grpc.v1.cri`.
    case v2 = 2
    /// containerd 2.0 to 2.2: `io.containerd.cri.v1.images` and `.runtime`.
    case v3 = 3
    /// containerd 2.3+: the same CRI tables as v3.
    case v4 = 4
  }

  /// An OCI runtime besides runc, run through containerd's runc shim with its own binary.
  struct Runtime: Equatable {
    /// The table's name, which is also the Kubernetes RuntimeClass `handler`.
    var name: String
    /// `runtime_type`: the shim containerd starts (`io.containerd.X.vN` runs the binary
    /// `containerd-shim-X-vN` from containerd's `PATH`).
    var runtimeType = "io.containerd.runc.v2"
    /// `options.BinaryName`: the runtime binary runc's shim runs instead of `runc`; nil for
    /// another shim, which gets no runc `options` (nor `SystemdCgroup`, a runc option).
    var binaryName: String?
    /// `options.ConfigPath`: the configuration another shim reads (kata's).
    var configPath: String? = nil
    /// `privileged_without_host_devices`: a privileged pod gets none of the host's devices
    /// (a VM runtime would hand them to the guest).
    var privilegedWithoutHostDevices = false
    /// `pod_annotations`: the pod annotations passed to the runtime.
    var podAnnotations: [String] = []
  }

  var layout: Layout
  /// `bin_dirs = [...]` (2.1+, where `bin_dir` is deprecated) instead of `bin_dir`.
  var cniBinDirs: Bool
  /// containerd's own default sandbox image; nil when not known (the key is then left out
  /// and containerd's default applies).
  var defaultSandboxImage: String?

  /// For a containerd release.
  init(containerd version: SemanticVersion) {
    switch version.line {
    case (0...1, _): layout = .v2
    case (2, 0...2): layout = .v3
    default: layout = .v4
    }
    cniBinDirs = version.major >= 2 && !(version.major == 2 && version.minor == 0)
    defaultSandboxImage =
      switch version.line {
      case (1, 7): "registry.k8s.io/pause:3.8"
      case (2, 0), (2, 1): "registry.k8s.io/pause:3.10"
      case (2, 2): "registry.k8s.io/pause:3.10.1"
      case (2, _), (3...Int.max, _): "registry.k8s.io/pause:3.10.2"
      default: nil
      }
  }

  /// For the containerd inside a nerdctl-full bundle: exact when the bundle's containerd
  /// version is known (`nerdctlFullContainerd`), else by the bundle's major version, with
  /// the layout every containerd of that major reads and no sandbox default.
  init(nerdctlFull version: SemanticVersion) {
    if let bundled = Self.bundledContainerd(nerdctlFull: version) {
      self.init(containerd: bundled)
    } else {
      self.init(layout: version.major >= 2 ? .v3 : .v2, cniBinDirs: false, defaultSandboxImage: nil)
    }
  }

  init(layout: Layout, cniBinDirs: Bool, defaultSandboxImage: String?) {
    self.layout = layout
    self.cniBinDirs = cniBinDirs
    self.defaultSandboxImage = defaultSandboxImage
  }

  /// The containerd a nerdctl-full release bundles, when known.
  static func bundledContainerd(nerdctlFull version: SemanticVersion) -> SemanticVersion? {
    nerdctlFullContainerd[version.description].flatMap(SemanticVersion.init)
  }

  /// The containerd each nerdctl-full release bundles (`ARG CONTAINERD_VERSION` in nerdctl's
  /// Dockerfile at each tag).
  static let nerdctlFullContainerd: [String: String] = [
    "1.7.6": "1.7.16", "1.7.7": "1.7.22", "2.0.0": "2.0.0", "2.0.1": "2.0.0", "2.0.2": "2.0.0",
    "2.0.3": "2.0.2",
  ]

  /// `enable_unprivileged_ports` and `enable_unprivileged_icmp`, written on every version so
  /// that pods behave alike whatever containerd the node runs: containerd 2.0 made both true
  /// by default (`internal/cri/config/config_unix.go`), 1.7 leaves them false. True lets a
  /// pod's non-root processes bind ports below 1024 and ping inside the pod's own network
  /// namespace (`net.ipv4.ip_unprivileged_port_start=0`, `net.ipv4.ping_group_range`), as
  /// Kubernetes already allows through safe sysctls; docs/containerd-defaults.md has the
  /// comparison with kubespray.
  private static func setUnprivileged(_ table: [String], into config: inout ConfigTable) {
    config.set(table + ["enable_unprivileged_ports"], .bool(true), managedBy: "kubernetes")
    config.set(table + ["enable_unprivileged_icmp"], .bool(true), managedBy: "kubernetes")
  }

  /// The folder of drop-in files config.toml imports (`imports`), beside it: nodespec never
  /// writes there, so `nvidia-ctk` and an administrator's files survive every run.
  static func dropInFolder(_ paths: Paths) -> String { "\(paths.configRoot)/containerd/conf.d" }

  /// `runtimes.<name>` tables after runc's, in this order (`runtimes:` in the spec).
  private static func setRuntimes(
    _ runtimes: [Runtime], under table: [String], systemdCgroup: TOMLValue,
    into config: inout ConfigTable
  ) {
    for runtime in runtimes {
      let entry = table + ["runtimes", runtime.name]
      let key = "runtimes.\(runtime.name)"
      config.set(entry + ["runtime_type"], .string(runtime.runtimeType), managedBy: key)
      if runtime.privilegedWithoutHostDevices {
        config.set(entry + ["privileged_without_host_devices"], .bool(true), managedBy: key)
      }
      if !runtime.podAnnotations.isEmpty {
        config.set(
          entry + ["pod_annotations"], .array(runtime.podAnnotations.map(TOMLValue.string)),
          managedBy: key)
      }
      if let configPath = runtime.configPath {
        config.set(entry + ["options", "ConfigPath"], .string(configPath), managedBy: key)
      }
      guard let binaryName = runtime.binaryName else { continue }
      config.set(entry + ["options", "BinaryName"], .string(binaryName), managedBy: key)
      config.set(
        entry + ["options", "SystemdCgroup"], systemdCgroup, managedBy: "kubernetes.cgroup_driver")
    }
  }

  /// What nodespec writes, before `settings:` are merged: the layout's `version`, the data
  /// folders the spec sets, the conf.d `imports`, and with `kubernetes` the CRI tables, with
  /// the `runtimes` besides runc, the `defaultRuntime` and `enableCDI` (`runtimes.nvidia`,
  /// containerd 1.7 and later).
  func table(
    kubernetes: Kubernetes?, cniBin: String, paths: Paths, root: String?, state: String?,
    runtimes: [Runtime] = [], defaultRuntime: String = "runc", enableCDI: Bool = false
  ) -> ConfigTable {
    var config = ConfigTable()
    config.set(
      ["version"], .integer(layout.rawValue), managedBy: "components.containerd.version")
    if let root { config.set(["root"], .string(root), managedBy: "components.containerd.root") }
    if let state {
      config.set(["state"], .string(state), managedBy: "components.containerd.state")
    }
    config.set(
      ["imports"], .array([.string("\(Self.dropInFolder(paths))/*.toml")]),
      managedBy: ContainerdSettings.nodespec)
    guard let kubernetes else { return config }
    let systemdCgroup = TOMLValue.bool(kubernetes.cgroupDriver.value == .systemd)
    let sandbox = kubernetes.sandboxImage?.value ?? defaultSandboxImage
    let runc = TOMLValue.string("io.containerd.runc.v2")
    let (k8s, driver, image) = (
      "kubernetes", "kubernetes.cgroup_driver", "kubernetes.sandbox_image"
    )
    let defaultName = TOMLValue.string(defaultRuntime)
    let (defaultKey, cdiKey) = ("default_runtime", "runtimes.nvidia")
    switch layout {
    case .v2:
      let cri = ["plugins", "io.containerd.grpc.v1.cri"]
      if let sandbox { config.set(cri + ["sandbox_image"], .string(sandbox), managedBy: image) }
      Self.setUnprivileged(cri, into: &config)
      if enableCDI { config.set(cri + ["enable_cdi"], .bool(true), managedBy: cdiKey) }
      config.set(cri + ["containerd", "snapshotter"], .string("overlayfs"), managedBy: k8s)
      config.set(cri + ["containerd", "default_runtime_name"], defaultName, managedBy: defaultKey)
      let runtime = cri + ["containerd", "runtimes", "runc"]
      config.set(runtime + ["runtime_type"], runc, managedBy: k8s)
      config.set(runtime + ["options", "SystemdCgroup"], systemdCgroup, managedBy: driver)
      Self.setRuntimes(
        runtimes, under: cri + ["containerd"], systemdCgroup: systemdCgroup, into: &config)
      config.set(cri + ["cni", "bin_dir"], .string(cniBin), managedBy: k8s)
      config.set(cri + ["cni", "conf_dir"], .string(paths.cniConf), managedBy: k8s)
      config.set(
        cri + ["registry", "config_path"], .string(paths.certsDirectory), managedBy: "registries")
    case .v3, .v4:
      let images = ["plugins", "io.containerd.cri.v1.images"]
      let runtime = ["plugins", "io.containerd.cri.v1.runtime"]
      config.set(images + ["snapshotter"], .string("overlayfs"), managedBy: k8s)
      if let sandbox {
        config.set(images + ["pinned_images", "sandbox"], .string(sandbox), managedBy: image)
      }
      // Set explicitly: 2.2.0/2.2.1 default to two folders and fail with mirrors (#12612).
      config.set(
        images + ["registry", "config_path"], .string(paths.certsDirectory),
        managedBy: "registries")
      Self.setUnprivileged(runtime, into: &config)
      if enableCDI { config.set(runtime + ["enable_cdi"], .bool(true), managedBy: cdiKey) }
      config.set(
        runtime + ["containerd", "default_runtime_name"], defaultName, managedBy: defaultKey)
      let runcTable = runtime + ["containerd", "runtimes", "runc"]
      config.set(runcTable + ["runtime_type"], runc, managedBy: k8s)
      config.set(runcTable + ["options", "SystemdCgroup"], systemdCgroup, managedBy: driver)
      Self.setRuntimes(
        runtimes, under: runtime + ["containerd"], systemdCgroup: systemdCgroup, into: &config)
      if cniBinDirs {
        config.set(runtime + ["cni", "bin_dirs"], .array([.string(cniBin)]), managedBy: k8s)
      } else {
        config.set(runtime + ["cni", "bin_dir"], .string(cniBin), managedBy: k8s)
      }
      config.set(runtime + ["cni", "conf_dir"], .string(paths.cniConf), managedBy: k8s)
    }
    return config
  }
}
