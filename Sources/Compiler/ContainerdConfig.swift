import Spec

/// containerd's `config.toml` for Kubernetes (CRI), in the layout the installed containerd
/// reads natively (domain-facts.md section 5). Tools that patch one layout break on the next,
/// so nodespec picks it from the pinned version at compile time.
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
    /// `options.BinaryName`: the runtime binary the shim runs instead of `runc`.
    var binaryName: String
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
  private static func setUnprivileged(into toml: inout TOMLWriter) {
    toml.set("enable_unprivileged_ports", .bool(true))
    toml.set("enable_unprivileged_icmp", .bool(true))
  }

  /// `runtimes.<name>` tables after runc's, in this order (`runtimes:` in the spec).
  static func writeRuntimes(
    _ runtimes: [Runtime], under table: [String], systemdCgroup: Bool, into toml: inout TOMLWriter
  ) {
    for runtime in runtimes {
      toml.table(table + ["runtimes", runtime.name])
      toml.set("runtime_type", .string("io.containerd.runc.v2"))
      toml.table(table + ["runtimes", runtime.name, "options"])
      toml.set("BinaryName", .string(runtime.binaryName))
      toml.set("SystemdCgroup", .bool(systemdCgroup))
    }
  }

  /// The file's text. `runtimes` and `defaultRuntime` come from `runtimes:` and
  /// `default_runtime:`; `enableCDI` from `runtimes.nvidia` (containerd 1.7 and later).
  func render(
    kubernetes: Kubernetes, cniBin: String, paths: Paths, runtimes: [Runtime] = [],
    defaultRuntime: String = "runc", enableCDI: Bool = false
  ) -> String {
    var toml = TOMLWriter()
    toml.set("version", .integer(layout.rawValue))
    let systemdCgroup = kubernetes.cgroupDriver.value == .systemd
    let sandbox = kubernetes.sandboxImage?.value ?? defaultSandboxImage
    let runc = TOMLValue.string("io.containerd.runc.v2")
    switch layout {
    case .v2:
      let cri = ["plugins", "io.containerd.grpc.v1.cri"]
      toml.table(cri)
      if let sandbox { toml.set("sandbox_image", .string(sandbox)) }
      Self.setUnprivileged(into: &toml)
      if enableCDI { toml.set("enable_cdi", .bool(true)) }
      toml.table(cri + ["containerd"])
      toml.set("snapshotter", .string("overlayfs"))
      toml.set("default_runtime_name", .string(defaultRuntime))
      toml.table(cri + ["containerd", "runtimes", "runc"])
      toml.set("runtime_type", runc)
      toml.table(cri + ["containerd", "runtimes", "runc", "options"])
      toml.set("SystemdCgroup", .bool(systemdCgroup))
      Self.writeRuntimes(
        runtimes, under: cri + ["containerd"], systemdCgroup: systemdCgroup, into: &toml)
      toml.table(cri + ["cni"])
      toml.set("bin_dir", .string(cniBin))
      toml.set("conf_dir", .string(paths.cniConf))
      toml.table(cri + ["registry"])
      toml.set("config_path", .string(paths.certsDirectory))
    case .v3, .v4:
      let images = ["plugins", "io.containerd.cri.v1.images"]
      let runtime = ["plugins", "io.containerd.cri.v1.runtime"]
      toml.table(images)
      toml.set("snapshotter", .string("overlayfs"))
      if let sandbox {
        toml.table(images + ["pinned_images"])
        toml.set("sandbox", .string(sandbox))
      }
      // Set explicitly: 2.2.0/2.2.1 default to two folders and fail with mirrors (#12612).
      toml.table(images + ["registry"])
      toml.set("config_path", .string(paths.certsDirectory))
      toml.table(runtime)
      Self.setUnprivileged(into: &toml)
      if enableCDI { toml.set("enable_cdi", .bool(true)) }
      toml.table(runtime + ["containerd"])
      toml.set("default_runtime_name", .string(defaultRuntime))
      toml.table(runtime + ["containerd", "runtimes", "runc"])
      toml.set("runtime_type", runc)
      toml.table(runtime + ["containerd", "runtimes", "runc", "options"])
      toml.set("SystemdCgroup", .bool(systemdCgroup))
      Self.writeRuntimes(
        runtimes, under: runtime + ["containerd"], systemdCgroup: systemdCgroup, into: &toml)
      toml.table(runtime + ["cni"])
      if cniBinDirs {
        toml.set("bin_dirs", .array([.string(cniBin)]))
      } else {
        toml.set("bin_dir", .string(cniBin))
      }
      toml.set("conf_dir", .string(paths.cniConf))
    }
    return toml.content.literalText ?? ""
  }
}
