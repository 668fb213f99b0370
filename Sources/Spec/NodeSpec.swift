/// The typed spec of one node, decoded and validated from YAML (the public contract in
/// `docs/spec.md`). Every value keeps the source range it came from.
public struct NodeSpec: Sendable, Equatable {
  /// `nodespec:` format version; only 1 exists.
  public var formatVersion: Located<Int>
  public var name: Located<String>?
  public var arch: Located<ArchChoice>
  public var mode: Located<Mode>
  /// Rootless only: the account that runs the runtime.
  public var user: Located<String>?
  /// Rootless only: the user's home directory as written; nil means `/home/<user>`.
  public var home: Located<String>?
  /// Where binaries and units go; an absolute path, default `/usr/local`.
  public var prefix: Located<String>
  public var downloads: Downloads
  public var components: Components
  /// In spec order.
  public var registries: [Registry]
  public var kubernetes: Kubernetes?
  /// `proxy:`: the HTTP proxy containerd, BuildKit and the output's downloads go through.
  public var proxy: Proxy?
  /// Image tarballs imported into containerd's `k8s.io` namespace, in spec order.
  public var images: [ImagePreload] = []
  /// The `images` key, where diagnostics about the whole list point.
  public var imagesRange: SourceRange?
  /// OCI runtimes besides runc, and the one containerd's CRI plugin uses by default.
  public var runtimes = Runtimes()
  /// The range of the whole document.
  public var range: SourceRange
  /// What the spec writes but the decoder had to leave out, each with an error reported: the
  /// logical paths of those keys (`user`, `components.containerd`, or `components` when the
  /// whole mapping was unreadable), and the key a misspelt one most likely meant. Empty for a
  /// spec without errors.
  ///
  /// Checks of what a spec leaves out ("containerd runs with runc, which the spec does not
  /// install") ask `writes(_:)`, so that one mistake is reported once, not again as a
  /// missing key.
  public var undecoded: Set<String>

  public init(
    formatVersion: Located<Int>, name: Located<String>?, arch: Located<ArchChoice>,
    mode: Located<Mode>, user: Located<String>?, prefix: Located<String>, downloads: Downloads,
    components: Components, registries: [Registry], kubernetes: Kubernetes?, range: SourceRange,
    home: Located<String>? = nil, undecoded: Set<String> = []
  ) {
    self.undecoded = undecoded
    self.formatVersion = formatVersion
    self.name = name
    self.arch = arch
    self.mode = mode
    self.user = user
    self.home = home
    self.prefix = prefix
    self.downloads = downloads
    self.components = components
    self.registries = registries
    self.kubernetes = kubernetes
    self.range = range
  }

  /// The compiling machine's environment variables the spec reads (`{env: NAME}` header
  /// values), in spec order, each once: all the driver has to look up.
  public var environmentVariables: [String] {
    var names: [String] = []
    for registry in registries {
      if case .environment(let name) = registry.auth?.password.value, !names.contains(name) {
        names.append(name)
      }
      for mirror in registry.mirrors {
        for header in mirror.headers {
          for value in header.values {
            if case .environment(let name) = value.value, !names.contains(name) {
              names.append(name)
            }
          }
        }
        if case .environment(let name) = mirror.deliveredClient?.key.value,
          !names.contains(name)
        {
          names.append(name)
        }
      }
    }
    return names
  }

  /// Whether the spec writes something at `path` (`user`, `components.runc`), even if it did
  /// not decode. For a component, `components.<key>`.
  public func writes(_ path: String) -> Bool {
    if undecoded.contains(path) { return true }
    let parts = Self.headAndRest(path)
    if let parts, undecoded.contains(String(parts.head)) { return true }
    switch path {
    case "user": return user != nil
    case "home": return home != nil
    case "kubernetes": return kubernetes != nil
    case "proxy": return proxy != nil
    default:
      guard let parts, parts.head == "components" else { return false }
      return components.contains(key: String(parts.rest))
    }
  }

  /// The two parts `path.split(separator: ".", maxSplits: 1)` gives, or nil when it gives
  /// fewer: dots before the first part are skipped (empty parts are left out), the rest
  /// after the first dot that follows is kept whole and must not be empty. On the UTF-8
  /// bytes (`.` is one byte, never inside another character): the array of the split cost
  /// 5,000 instructions a call, and the compiler asks a dozen times. One difference, of no
  /// consequence (every caller passes an ASCII path of its own): a `.` followed by a
  /// combining mark splits here, where the Character split read the two as one character.
  static func headAndRest(_ path: String) -> (head: Substring, rest: Substring)? {
    let bytes = path.utf8
    let dot = UInt8(ascii: ".")
    guard let start = bytes.firstIndex(where: { $0 != dot }),
      let split = bytes[start...].firstIndex(of: dot)
    else { return nil }
    let restStart = bytes.index(after: split)
    guard restStart < bytes.endIndex else { return nil }
    return (Substring(bytes[start..<split]), Substring(bytes[restStart...]))
  }
}

/// A CPU architecture, named as Go and most release assets name it. Each project's own naming
/// quirks (runc `armhf`, nerdctl `arm-v7`) are the catalog's business, not the spec's.
public enum Arch: String, Sendable, Hashable, CaseIterable, Comparable {
  case amd64, arm64, arm, ppc64le, s390x, riscv64

  /// What `uname -m` prints on such a machine.
  public var unameMachine: [String] {
    switch self {
    case .amd64: ["x86_64"]
    case .arm64: ["aarch64", "arm64"]
    case .arm: ["armv7l", "armv7", "armhf"]
    case .ppc64le: ["ppc64le"]
    case .s390x: ["s390x"]
    case .riscv64: ["riscv64"]
    }
  }

  public static func < (a: Arch, b: Arch) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

public enum ArchChoice: Sendable, Hashable {
  /// Decided on the node (`uname -m`, Ansible facts).
  case auto
  case fixed(Arch)
}

public enum Mode: String, Sendable, Hashable, CaseIterable {
  case root, rootless
}

public struct Downloads: Sendable, Equatable {
  public enum Verify: String, Sendable, Hashable, CaseIterable {
    /// Check against the sha256 pinned in the catalog or the spec (default).
    case pinned
    /// Fetch the project's own checksum file and look the file up by name.
    case published
    /// Check nothing (allowed, with a warning).
    case none
  }

  /// Replaces `https://github.com` in every release URL, e.g. an artifact mirror.
  public var mirror: Located<String>?
  public var verify: Located<Verify>

  public init(mirror: Located<String>?, verify: Located<Verify>) {
    self.mirror = mirror
    self.verify = verify
  }
}

/// The components the spec asks for. `nerdctlFull` excludes the five separate ones.
public struct Components: Sendable, Equatable {
  @ComponentSlot public var containerd: Component?
  @ComponentSlot public var runc: Component?
  @ComponentSlot public var cni: Component?
  @ComponentSlot public var nerdctl: Component?
  @ComponentSlot public var buildkit: Component?
  @ComponentSlot public var nerdctlFull: Component?
  /// Rootless without nerdctl-full: RootlessKit and slirp4netns from their own releases.
  @ComponentSlot public var rootlesskit: Component?
  @ComponentSlot public var slirp4netns: Component?
  /// cri-tools' crictl, pointed at containerd's CRI socket (`/etc/crictl.yaml`).
  @ComponentSlot public var crictl: Component?
  /// The range of the `components:` mapping, if present.
  public var range: SourceRange?

  public init(
    containerd: Component? = nil, runc: Component? = nil, cni: Component? = nil,
    nerdctl: Component? = nil, buildkit: Component? = nil, nerdctlFull: Component? = nil,
    range: SourceRange? = nil, rootlesskit: Component? = nil, slirp4netns: Component? = nil,
    crictl: Component? = nil
  ) {
    self.crictl = crictl
    self.containerd = containerd
    self.runc = runc
    self.cni = cni
    self.nerdctl = nerdctl
    self.buildkit = buildkit
    self.nerdctlFull = nerdctlFull
    self.rootlesskit = rootlesskit
    self.slirp4netns = slirp4netns
    self.range = range
  }

  /// Whether the component the spec names `key` is present. Reads each slot's key only:
  /// `present` copies every component out of its slot.
  public func contains(key: String) -> Bool { slots.contains { $0.key == key } }

  /// The components present, in a fixed order.
  public var present: [Component] {
    var present: [Component] = []
    present.reserveCapacity(slots.count)
    for slot in slots {
      if let component = slot.wrappedValue { present.append(component) }
    }
    return present
  }

  /// Every slot, in `present`'s order: one reference each, nothing copied.
  private var slots: [ComponentSlot] {
    [
      _containerd, _runc, _cni, _nerdctl, _buildkit, _nerdctlFull, _rootlesskit, _slirp4netns,
      _crictl,
    ]
  }
}

/// One component entry: `containerd: 2.0.0` or `containerd: { version: 2.0.0, ... }`.
public struct Component: Sendable, Equatable {
  public enum Shell: String, Sendable, Hashable, CaseIterable {
    case bash, zsh, fish
  }

  public enum Worker: String, Sendable, Hashable, CaseIterable {
    case containerd, oci
  }

  /// The spec key, e.g. `containerd`, `nerdctl-full`.
  public var key: String
  /// Kept as written: `1.10` is not `1.1`. No leading `v`.
  public var version: Located<String>
  /// Per-arch sha256 overrides (lowercase hex), sorted by arch.
  public var sha256: [Located<ArchValue>]
  /// Per-arch URL overrides; an entry with `arch == nil` applies to every arch.
  public var url: [Located<ArchValue>]
  /// nerdctl: shells to install completion for.
  public var completion: Located<[Shell]>?
  /// buildkit: the worker buildkitd uses.
  public var worker: Located<Worker>?
  /// containerd: use the static build (`containerd-static-*`, musl and old glibc).
  public var staticBuild: Located<Bool>?
  /// Ids of warnings about this component that the spec's author has read and accepts
  /// (e.g. `known-bad-version` for a deliberately pinned release); they are not reported.
  public var accept: [Located<String>]
  /// The range of the whole entry.
  public var range: SourceRange
  /// containerd: config.toml `root` (persistent data) and `state` (transient data), as
  /// written; absolute paths.
  public var root: Located<String>?
  public var state: Located<String>?
  /// containerd: `settings:`, merged into config.toml; in spec order.
  public var settings: [Setting]?
  /// nerdctl: the containerd namespace nerdctl.toml names.
  public var namespace: Located<String>?

  public init(
    key: String, version: Located<String>, sha256: [Located<ArchValue>] = [],
    url: [Located<ArchValue>] = [], completion: Located<[Shell]>? = nil,
    worker: Located<Worker>? = nil, staticBuild: Located<Bool>? = nil,
    accept: [Located<String>] = [], range: SourceRange
  ) {
    self.key = key
    self.version = version
    self.sha256 = sha256
    self.url = url
    self.completion = completion
    self.worker = worker
    self.staticBuild = staticBuild
    self.accept = accept
    self.range = range
  }
}

/// One optional component held behind a single reference. A spec has thirteen component
/// slots (`Components`, `Runtimes`): stored inline, each `Component?` took hundreds of bytes
/// and a `NodeSpec` about 10 KB, which the decoder and the compiler copied through stack
/// frames of up to 64 KB (a compile touched 46 pages of stack, a page fault each). The box is
/// immutable and replaced on every write, so copies of a spec still never share a change.
@propertyWrapper
public struct ComponentSlot: Sendable, Equatable {
  private final class Box: Sendable {
    let component: Component
    init(_ component: Component) { self.component = component }
  }

  private var box: Box?

  public init(wrappedValue: Component?) { box = wrappedValue.map(Box.init) }

  public var wrappedValue: Component? {
    get { box?.component }
    set { box = newValue.map(Box.init) }
  }

  /// The component's spec key, nil when the slot is empty.
  var key: String? { box?.component.key }

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.box === rhs.box || lhs.wrappedValue == rhs.wrappedValue
  }
}

/// One `key: value` of `components.containerd.settings`, typed as TOML needs it.
public struct Setting: Sendable, Equatable {
  public indirect enum Value: Sendable, Equatable {
    case string(String)
    case integer(Int)
    /// A TOML float, kept as written (`0.5`, `1e3`).
    case float(String)
    case bool(Bool)
    case array([Located<Value>])
    case table([Setting])
  }

  public var key: Located<String>
  public var value: Located<Value>

  public init(key: Located<String>, value: Located<Value>) {
    self.key = key
    self.value = value
  }
}

/// `proxy:`: an HTTP proxy for containerd and BuildKit (a systemd drop-in each) and for the
/// output's own downloads.
public struct Proxy: Sendable, Equatable {
  public var http: Located<String>?
  public var https: Located<String>?
  /// Hosts, domains (`.example.com`), addresses and CIDRs reached directly; in spec order.
  public var noProxy: [Located<String>]
  public var range: SourceRange

  public init(
    http: Located<String>?, https: Located<String>?, noProxy: [Located<String>],
    range: SourceRange
  ) {
    self.http = http
    self.https = https
    self.noProxy = noProxy
    self.range = range
  }
}

/// A value given for one arch, or (`arch == nil`) for every arch.
public struct ArchValue: Sendable, Hashable {
  public var arch: Arch?
  public var value: String

  public init(arch: Arch?, value: String) {
    self.arch = arch
    self.value = value
  }
}

/// One upstream registry and how to reach it: one `hosts.toml` each.
public struct Registry: Sendable, Equatable {
  /// `docker.io`, `registry.example.com:5000`, or `_default` (every registry).
  public var name: Located<String>
  /// `server` in hosts.toml: the upstream tried last. Omitted = the registry itself.
  public var server: Located<String>?
  /// `false` = never fall back to upstream (the last mirror becomes `server`).
  public var fallback: Located<Bool>?
  public var mirrors: [Mirror]
  /// Credentials for the registry itself (its upstream), sent as `Authorization: Basic`.
  public var auth: RegistryAuth?
  public var range: SourceRange

  public init(
    name: Located<String>, server: Located<String>?, fallback: Located<Bool>?,
    mirrors: [Mirror], range: SourceRange
  ) {
    self.name = name
    self.server = server
    self.fallback = fallback
    self.mirrors = mirrors
    self.range = range
  }
}

public struct Mirror: Sendable, Equatable {
  public enum Capability: String, Sendable, Hashable, CaseIterable {
    case pull, resolve, push
  }

  /// As written; a scheme-less URL is the compiler's to complete (with a warning).
  public var url: Located<String>
  /// Omitted: `[pull, resolve]` (the short form's meaning).
  public var capabilities: Located<[Capability]>?
  public var ca: [Located<String>]
  /// Client certificate and key paths; key may be empty when the cert file holds both.
  public var client: [Located<ClientPair>]
  /// A CA the spec delivers (`ca: {pem: …}`), written beside hosts.toml as `ca.crt`.
  public var deliveredCA: Located<Delivered>?
  /// A client pair the spec delivers (`client: {cert: …, key: …}`), written beside hosts.toml
  /// as `client.cert` and `client.key`.
  public var deliveredClient: DeliveredClient?
  public var skipVerify: Located<Bool>?
  public var overridePath: Located<Bool>?
  /// In spec order.
  public var headers: [Header]
  public var range: SourceRange

  public init(
    url: Located<String>, capabilities: Located<[Capability]>? = nil, ca: [Located<String>] = [],
    client: [Located<ClientPair>] = [], skipVerify: Located<Bool>? = nil,
    overridePath: Located<Bool>? = nil, headers: [Header] = [], range: SourceRange
  ) {
    self.url = url
    self.capabilities = capabilities
    self.ca = ca
    self.client = client
    self.skipVerify = skipVerify
    self.overridePath = overridePath
    self.headers = headers
    self.range = range
  }
}

/// A certificate or key the spec brings to the node, rather than naming a file already there.
public enum Delivered: Sendable, Hashable {
  /// PEM text in the spec itself.
  case pem(String)
  /// A file beside the spec: a relative path inside the spec's folder, read when compiling.
  case local(String)
  /// A file on the node, read at install time.
  case file(String)
  /// The compiling machine's environment (keys only).
  case environment(String)
}

/// `client: {cert: …, key: …}`.
public struct DeliveredClient: Sendable, Hashable {
  public var certificate: Located<Delivered>
  public var key: Located<Delivered>

  public init(certificate: Located<Delivered>, key: Located<Delivered>) {
    self.certificate = certificate
    self.key = key
  }
}

public struct ClientPair: Sendable, Hashable {
  public var certificate: String
  public var key: String

  public init(certificate: String, key: String) {
    self.certificate = certificate
    self.key = key
  }
}

/// `auth: {username, password}`: HTTP basic credentials for a registry's upstream. The
/// password is never in the spec: it comes from the compiling machine's environment or from a
/// file on the node.
public struct RegistryAuth: Sendable, Equatable {
  /// No `:` (basic auth joins the two with one) and no control characters.
  public var username: Located<String>
  /// `.environment` or `.file`, never `.literal`.
  public var password: Located<Header.Value>
  /// The `auth` key, where diagnostics about the whole entry point.
  public var range: SourceRange

  public init(username: Located<String>, password: Located<Header.Value>, range: SourceRange) {
    self.username = username
    self.password = password
    self.range = range
  }
}

/// An HTTP header sent to a mirror. Its value may be a secret that the spec must not hold.
public struct Header: Sendable, Equatable {
  public enum Value: Sendable, Hashable {
    case literal(String)
    /// Read from the compiling machine's environment at compile time.
    case environment(String)
    /// Read from this file on the node at install time.
    case file(String)
  }

  public var name: Located<String>
  public var values: [Located<Value>]

  public init(name: Located<String>, values: [Located<Value>]) {
    self.name = name
    self.values = values
  }
}

/// `runtimes:` and `default_runtime:`. Each runtime is a `Component` (a version, or a mapping
/// with `version`, `sha256`, `url`), except `nvidia`, which the node's packages provide.
public struct Runtimes: Sendable, Equatable {
  @ComponentSlot public var crun: Component? = nil
  @ComponentSlot public var youki: Component? = nil
  @ComponentSlot public var runsc: Component? = nil
  @ComponentSlot public var kata: Component? = nil
  /// `nvidia: {}`: the range of the entry.
  public var nvidia: SourceRange?
  /// `default_runtime:` as written (`runc` or a key of `runtimes`).
  public var defaultRuntime: Located<String>?
  /// The `runtimes` key, if present.
  public var range: SourceRange?

  public init() {}

  /// The runtimes given, by spec key, in a fixed order.
  public var downloaded: [Component] { [crun, youki, runsc, kata].compactMap { $0 } }

  /// Every runtime name configured, `runc` (always there) first.
  public var names: [String] {
    ["runc"] + downloaded.map(\.key) + (nvidia == nil ? [] : ["nvidia"])
  }
}

/// An image tarball (`docker save`, `ctr export`, an OCI layout archive) imported into
/// containerd once, after its sha256 matched.
public struct ImagePreload: Sendable, Equatable {
  public enum Source: Sendable, Hashable {
    /// A file already on the node.
    case file(String)
    /// Downloaded like a release artifact.
    case url(String)
  }

  public var source: Located<Source>
  /// Lowercase hex sha256 of the tarball.
  public var sha256: Located<String>
  public var range: SourceRange

  public init(source: Located<Source>, sha256: Located<String>, range: SourceRange) {
    self.source = source
    self.sha256 = sha256
    self.range = range
  }
}

/// containerd as kubelet's CRI runtime (root mode only).
public struct Kubernetes: Sendable, Equatable {
  public enum CgroupDriver: String, Sendable, Hashable, CaseIterable {
    case systemd, cgroupfs
  }

  public var cgroupDriver: Located<CgroupDriver>
  /// Omitted: containerd's default for the pinned version.
  public var sandboxImage: Located<String>?
  /// overlay + br_netfilter modules, bridge and forwarding sysctls.
  public var prerequisites: Located<Bool>
  /// The distribution packages kubeadm's preflight looks for; nil (not in the spec) follows
  /// `prerequisites`.
  public var packages: Located<Bool>?
  /// The range of the mapping (for `kubernetes: {}`, the braces).
  public var range: SourceRange
  /// The `kubernetes` key itself, where diagnostics about the whole section point; nil for
  /// a spec built in code.
  public var keyRange: SourceRange?

  public init(
    cgroupDriver: Located<CgroupDriver>, sandboxImage: Located<String>?,
    prerequisites: Located<Bool>, packages: Located<Bool>? = nil, range: SourceRange,
    keyRange: SourceRange? = nil
  ) {
    self.keyRange = keyRange
    self.packages = packages
    self.cgroupDriver = cgroupDriver
    self.sandboxImage = sandboxImage
    self.prerequisites = prerequisites
    self.range = range
  }

  /// Whether the node gets the packages: `packages:` when the spec says, else `prerequisites:`.
  public var installsPackages: Located<Bool> { packages ?? prerequisites }
}
