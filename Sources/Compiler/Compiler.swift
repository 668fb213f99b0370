import Spec

/// Turns a validated `NodeSpec` into a `Plan`, one module per concern.
///
/// Resource ids, in plan order (each only when the spec asks for it):
///
/// | id | kind | notifies |
/// |---|---|---|
/// | `rootless.*` (rootless mode) | prerequisites, see `RootlessModule` | |
/// | `rootlesskit.archive`, `slirp4netns.binary` | artifacts into `<prefix>/bin` | |
/// | `kubernetes.packages` | packages (conntrack, iptables, socat, …) | |
/// | `kubernetes.modules` | file `/etc/modules-load.d/nodespec-kubernetes.conf` | |
/// | `kubernetes.module.overlay`, `kubernetes.module.br_netfilter` | kernelModule | |
/// | `kubernetes.sysctl` | file `/etc/sysctl.d/99-nodespec-kubernetes.conf` | |
/// | `kubernetes.sysctl.<key>` (3) | sysctl | |
/// | `runc.binary` | artifact, binary `<prefix>/sbin/runc` | |
/// | `runtimes.crun.binary` | artifact, binary `<prefix>/bin/crun` | |
/// | `runtimes.youki.archive` | artifact into `<prefix>/libexec/youki` | |
/// | `runtimes.runsc.binary`, `runtimes.runsc.shim` | artifacts, binaries `<prefix>/bin/runsc`, `containerd-shim-runsc-v1` (sha512) | |
/// | `runtimes.kata.archive` | artifact, `.tar.xz` over `/` (lands in `/opt/kata`) | |
/// | `runtimes.kata.shim`, `runtimes.kata.modules` | files `<prefix>/bin/containerd-shim-kata-v2`, `/etc/modules-load.d/nodespec-kata.conf` | |
/// | `runtimes.kata.module.vhost_vsock`, `….vhost_net` | kernelModule | |
/// | `cni.archive` | artifact into `/opt/cni/bin` | |
/// | `containerd.archive` | artifact into `<prefix>` | containerd.service |
/// | `containerd.unit` | file `<units>/containerd.service` (`Paths.systemdUnits`) | containerd.service |
/// | `containerd.config` | file `/etc/containerd/config.toml` (always; imports `conf.d/*.toml`) | containerd.service |
/// | `nerdctl-full.archive` | artifact into `<prefix>` | containerd.service, buildkit.service |
/// | `registry.<folder>.ca.crt`, `….client.cert`, `….client.key` | files beside hosts.toml | never |
/// | `registry.<folder>.hosts` | file `/etc/containerd/certs.d/<folder>/hosts.toml` | never |
/// | `nerdctl.archive` | artifact into `<prefix>/bin` | |
/// | `nerdctl.config` | file `/etc/nerdctl/nerdctl.toml` | |
/// | `nerdctl.completion.<shell>` | command, guarded by `.creates` | |
/// | `crictl.archive`, `crictl.config` | artifact into `<prefix>/bin`, file `/etc/crictl.yaml` | |
/// | `buildkit.archive` | artifact into `<prefix>` | buildkit.service |
/// | `buildkit.socket.unit`, `buildkit.unit` | files under `<units>` | the units |
/// | `buildkit.config` | file `/etc/buildkit/buildkitd.toml` | buildkit.service |
/// | `proxy.<unit>` (with `proxy`) | file `/etc/systemd/system/<unit>.d/nodespec-proxy.conf` | `<unit>` |
/// | `rootless.setup.containerd`, `rootless.setup.buildkit` | commands as the user | |
/// | `images.folder`, `images.script` | directory `/var/lib/nodespec/images` (0700), file `…/import.sh` | |
/// | `images.<sha256>.download` | artifact, `/var/lib/nodespec/images/<sha256>.tar` (`url` images) | |
/// | `containerd.service`, `buildkit.socket`, `buildkit.service` | service, after the above | |
/// | `images.<sha256>.import` | command after the services: `ctr -n k8s.io images import`, guarded by `/var/lib/nodespec/images/<sha256>.imported` | |
///
/// In rootless mode the configuration files move under `~<user>/.config` (owned by the user),
/// and the services are the user's (`containerd.service`, `buildkit.service` or, for the
/// containerd worker, `default-buildkit.service`), with no system unit enabled.
///
/// `<units>` is `<prefix>/lib/systemd/system` for `/usr/local` and `/usr`, which systemd
/// searches, else `/etc/systemd/system`.
///
/// Artifact stamps are `/var/lib/nodespec/artifacts/<id>.stamp`.
public enum Compiler {
  /// The modules, in the order their resources are applied on the node: kernel prerequisites
  /// first, then binaries before the configs that name them. Services come after all of them
  /// (`PlanBuilder`), so every restart follows every change that asks for it.
  static let modules: [any CompilerModule.Type] = [
    RootlessModule.self,
    KubernetesModule.self,
    RuncModule.self,
    RuntimesModule.self,
    CNIModule.self,
    ContainerdModule.self,
    NerdctlFullModule.self,
    RegistriesModule.self,
    NerdctlModule.self,
    CrictlModule.self,
    BuildKitModule.self,
    // Before the rootless setup tool, which starts the user's units: they start with it.
    ProxyModule.self,
    RootlessSetupModule.self,
    ImagesModule.self,
  ]

  /// - Parameter environment: the compiling machine's environment, for header values the spec
  ///   takes from it (the command-line target passes it in; nothing else reads it).
  /// - Parameter catalog: the pinned checksums; the built-in one unless a test says otherwise.
  /// - Returns: nil when compiling found errors (earlier diagnostics in the sink do not
  ///   count); every problem goes to `diagnostics`.
  public static func compile(
    _ spec: NodeSpec, environment: [String: String] = [:], catalog: Catalog = .builtin,
    diagnostics: inout Diagnostics
  ) -> Plan? {
    compile(
      spec, inputs: CompileInputs(environment: environment), catalog: catalog,
      diagnostics: &diagnostics)
  }

  /// - Parameter inputs: the environment, the files beside the spec (`local:`) and the time,
  ///   all from the command-line target.
  public static func compile(
    _ spec: NodeSpec, inputs: CompileInputs, catalog: Catalog = .builtin,
    diagnostics: inout Diagnostics
  ) -> Plan? {
    // Collected apart first, so that warnings the spec accepts can be left out.
    var found = Diagnostics()
    let plan = compile(spec, inputs, catalog, &found)
    report(found, acceptedBy: spec, into: &diagnostics)
    return plan
  }

  private static func compile(
    _ spec: NodeSpec, _ inputs: CompileInputs, _ catalog: Catalog,
    _ diagnostics: inout Diagnostics
  ) -> Plan? {
    let environment = inputs.environment
    let errorsBefore = diagnostics.errors.count
    checkPrefix(spec.prefix, diagnostics: &diagnostics)
    Downloads.check(spec.downloads, diagnostics: &diagnostics)

    let paths = Paths(
      prefix: spec.prefix.value,
      rootless: RootlessUser.validated(spec, diagnostics: &diagnostics))
    var registries = ResolvedRegistry.resolve(
      spec.registries, environment: environment, diagnostics: &diagnostics)
    DeliveredCertificates.attach(
      to: &registries, certsDirectory: paths.certsDirectory, inputs: inputs,
      diagnostics: &diagnostics)
    let context = CompileContext(
      spec: spec, arches: ArchResolution.arches(for: spec.arch.value), environment: environment,
      catalog: catalog, paths: paths, registries: registries)
    var builder = PlanBuilder()
    for module in modules {
      module.compile(context, into: &builder, diagnostics: &diagnostics)
    }
    guard diagnostics.errors.count == errorsBefore else { return nil }
    // Unless what the spec asked for did not decode (reported already).
    if builder.all.isEmpty, spec.undecoded.isEmpty {
      diagnostics.warning(
        "installs-nothing", "the spec asks for nothing to install or configure",
        at: spec.components.range ?? spec.range.startOnly, path: "components",
        hint: "add a component under `components`, e.g. `containerd: 2.0.0` and `runc: 1.2.4`")
    }
    return Plan(
      name: spec.name?.value, arches: context.arches, resources: builder.all,
      downloadEnvironment: builder.downloadEnvironment, purge: dataFolders(context),
      warnings: builder.warnings)
  }

  /// The data folders of the runtimes the spec installs, in root mode: containerd's (also
  /// the nerdctl-full bundle's), nerdctl's and BuildKit's default roots, and the images'
  /// import records. A rootless node's
  /// live in the user's home, where root removes nothing: they are left to the user.
  private static func dataFolders(_ context: CompileContext) -> [String] {
    guard context.paths.rootless == nil else { return [] }
    let spec = context.spec
    let full = spec.writes("components.nerdctl-full")
    var folders: [String] = []
    // A `components.containerd.root` is not purged: it may be a folder that holds more than
    // containerd's data (`/srv`), and a purge must never remove what nodespec cannot vouch for.
    if context.installsContainerd { folders.append("/var/lib/containerd") }
    if full || spec.writes("components.nerdctl") { folders.append("/var/lib/nerdctl") }
    if full || spec.writes("components.buildkit") { folders.append("/var/lib/buildkit") }
    // The records of imported images (and a download not imported yet): once containerd's
    // data is gone they would say "imported" of images no longer there, and a new install
    // would skip the import. Without --purge both stay, and stay true.
    if !spec.images.isEmpty { folders.append(ImagesModule.folder) }
    return folders
  }

  /// Copies `found` into `diagnostics`, leaving out the warnings a component's `accept:` names,
  /// and warns about any `accept:` entry that matched nothing (it has gone stale).
  private static func report(
    _ found: Diagnostics, acceptedBy spec: NodeSpec, into diagnostics: inout Diagnostics
  ) {
    // An array, not a `Set`: a spec names a handful of `accept:` entries, and the first
    // `Set<SourceRange>` of a run costs the runtime a search of the binary's whole conformance
    // table for `SourceRange: Hashable` (0.3 M instructions).
    var used: [SourceRange] = []
    let present = spec.components.present
    for diagnostic in found.all {
      let acceptance = present.lazy.compactMap { component in
        component.accept.first {
          $0.value == diagnostic.id
            && diagnostic.path?.hasPrefix("components.\(component.key)") == true
        }
      }.first
      if diagnostic.severity == .warning, let acceptance {
        used.append(acceptance.range)
      } else {
        diagnostics.append(diagnostic)
      }
    }
    for component in present {
      for id in component.accept where !used.contains(id.range) {
        diagnostics.warning(
          "unused-accept", "no `\(id.value)` warning about \(component.key) to accept",
          at: id.range, path: "components.\(component.key).accept",
          hint: "remove it; the warning it accepted no longer applies")
      }
    }
  }

  /// The longest prefix: its paths land in unit lines, AppArmor profile names and PATH.
  static let maxPrefixLength = 128

  /// Folders every user can write into, or that belong to one user: binaries root runs must
  /// not live where someone else can replace them.
  static let sharedFolders = ["/tmp", "/var/tmp", "/dev", "/run/user", "/home", "/proc", "/sys"]

  /// The prefix lands in unit files (`ExecStart=`) and paths: only an absolute path of plain
  /// characters is safe in all of them, and only outside the folders others can write to.
  static func checkPrefix(_ prefix: Located<String>, diagnostics: inout Diagnostics) {
    let plain = prefix.value.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "/._+-".unicodeScalars.contains($0)
    }
    let parts = prefix.value.split(separator: "/")
    if !prefix.value.hasPrefix("/") || !plain || parts.contains("..") || parts.contains(".") {
      diagnostics.error(
        "unsafe-prefix", "the prefix must be an absolute path of letters, digits and `/._+-`",
        at: prefix.range, path: "prefix")
      return
    }
    if prefix.value.utf8.count > maxPrefixLength {
      diagnostics.error(
        "unsafe-prefix", "the prefix is longer than \(maxPrefixLength) characters",
        at: prefix.range, path: "prefix",
        hint: "binaries and units go under it: /usr/local or /opt/<name>")
      return
    }
    let normal = "/" + parts.map(String.init).joinedUTF8(separator: "/")
    if let shared = sharedFolders.first(where: { normal == $0 || normal.hasPrefix($0 + "/") }) {
      diagnostics.error(
        "unsafe-prefix",
        "the prefix is under `\(shared)`, where others can write: root would run binaries they "
          + "can replace",
        at: prefix.range, path: "prefix", hint: "use /usr/local (the default) or /opt/<name>")
    }
  }
}
