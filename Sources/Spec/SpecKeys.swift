/// The keys of the spec format as data: where each key sits, what its value is, and what it
/// means. The decoder takes its allowed keys from here (`SpecKeys.names(in:)`) and
/// `nodespec schema` generates the JSON Schema from it, so the two cannot drift; a test probes
/// the decoder at every place and fails when it accepts a key the table does not have.
///
/// Adding a key is one line in `all`: its place, its name, its value, its description. A new
/// mapping is a new place (`.place("proxy")`) and one line per key in it.
public enum SpecKeys {
  /// One key of one place.
  public struct Key: Sendable {
    /// The mapping the key sits in: "" for the top level, `downloads`, `component.containerd`,
    /// `mirror`, … (see `SpecValue.place`).
    public var place: String
    public var name: String
    public var value: SpecValue
    public var description: String

    init(_ place: String, _ name: String, _ value: SpecValue, _ description: String) {
      self.place = place
      self.name = name
      self.value = value
      self.description = description
    }
  }

  /// The names of the keys allowed in `place`, in table order (the order of docs/spec.md).
  public static func names(in place: String) -> [String] {
    all.filter { $0.place == place }.map(\.name)
  }

  /// The names of the keys allowed in `place`, in table order, as the decoder checks them:
  /// the lists `names(in:)` takes from `all`, written out. Building `all` (whose values and
  /// descriptions only `nodespec schema` reads) and filtering it for each place cost every
  /// compile 0.7 M instructions, a tenth of the shell target's. `SpecKeysTests` fails,
  /// naming the place, when a list here differs from the table's.
  static func allowed(in place: String) -> [String] {
    switch place {
    case "":
      [
        "nodespec", "extends", "name", "arch", "mode", "user", "home", "prefix", "downloads",
        "components", "registries", "kubernetes", "proxy", "images", "runtimes",
        "default_runtime",
      ]
    case "downloads": ["mirror", "verify"]
    case "components": componentNames
    case "component.containerd": componentCommonKeys + ["static", "root", "state", "settings"]
    case "component.nerdctl": componentCommonKeys + ["completion", "namespace"]
    case "component.buildkit": componentCommonKeys + ["worker"]
    case "runtimes": ["crun", "youki", "runsc", "kata", "nvidia"]
    case "image": ["file", "url", "sha256"]
    case "auth": ["username", "password"]
    case "proxy": ["http", "https", "no_proxy"]
    case "kubernetes": ["cgroup_driver", "sandbox_image", "prerequisites", "packages"]
    case "registry": ["server", "fallback", "auth", "mirrors"]
    case "mirror":
      ["url", "capabilities", "ca", "client", "skip_verify", "override_path", "header"]
    case "certificate": ["pem", "local", "file"]
    case "client": ["cert", "key"]
    case "key": ["local", "file", "env"]
    case "secret": ["env", "file"]
    default:
      // The other components and the downloaded runtimes take the common keys only.
      place.hasPrefix("component.") || place.hasPrefix("runtime.") ? componentCommonKeys : []
    }
  }

  /// Every place, in the order met in `all`.
  public static var places: [String] {
    var seen: [String] = []
    for key in all where !seen.contains(key.place) { seen.append(key.place) }
    return seen
  }

  /// The components and the options each takes besides the common keys
  /// (`componentCommonKeys`), in the order of `components:`.
  static let componentNames = [
    "containerd", "runc", "cni", "nerdctl", "buildkit", "nerdctl-full", "rootlesskit",
    "slirp4netns", "crictl",
  ]
  static let componentCommonKeys = ["version", "sha256", "url", "accept"]

  private static let version = SpecValue.text(
    "version", "digits and dots with an optional -suffix, e.g. 2.0.0; a leading v is dropped")
  private static let url = SpecValue.text("url", "an http(s)://host[:port][/path] URL")
  private static let mirrorURL = SpecValue.text(
    "url", "an http(s)://host[:port][/path] URL, or host[:port][/path]")
  private static let path = SpecValue.text("path", "an absolute path without .. segments")
  private static let sha256 = SpecValue.text("sha256", "64 hexadecimal digits")
  private static let archs = Arch.allCases.map(\.rawValue)

  /// What `component:` holds: a version, or a mapping of the version and options.
  private static func component(_ name: String) -> SpecValue {
    .oneOf([version, .place("component.\(name)")])
  }

  /// The keys every component's mapping takes, then its own options.
  private static func componentKeys(_ name: String, _ options: [Key] = []) -> [Key] {
    let place = "component.\(name)"
    return [
      Key(place, "version", version, "The release to install, as the project tags it."),
      Key(
        place, "sha256", .oneOf([sha256, .perArch(sha256)]),
        "The sha256 of the release archive, for a release the catalog does not know: one "
          + "for every arch, or a mapping of arch to sha256."),
      Key(
        place, "url", .oneOf([url, .perArch(url)]),
        "Where to download the release archive instead of the project's release page: one "
          + "URL, or a mapping of arch to URL."),
      Key(
        place, "accept", .oneOrMany(.text("id", "a diagnostic id, e.g. known-bad-version")),
        "Warnings about this component that were read and accepted, by id."),
    ] + options.map { Key(place, $0.name, $0.value, $0.description) }
  }

  /// Every key of the format.
  public static let all: [Key] =
    [
      Key("", "nodespec", .formatVersion, "The format version; 1 is the only one. Required."),
      Key(
        "", "extends", .oneOrMany(.text("path", "a .yaml file relative to this one")),
        "Bases this spec is laid over, relative to this file: later files win, mappings merge "
          + "key by key, scalars and lists replace, null removes a key."),
      Key(
        "", "name", .text("name", "1 to 63 of A-Z a-z 0-9 . _ -"),
        "A label for the node, in output headers."),
      Key(
        "", "arch", .choice(archs + ["auto"]),
        "The CPU architecture, in Go's names; auto (the default) detects it on the node."),
      Key("", "mode", .choice(Mode.allCases.map(\.rawValue)), "root (default) or rootless."),
      Key(
        "", "user", .text("user", "a Linux account name"),
        "Rootless only: the account that runs the runtime."),
      Key("", "home", path, "Rootless only: the user's home; default /home/<user>."),
      Key("", "prefix", path, "Where binaries and units go; default /usr/local."),
      Key(
        "", "downloads", .place("downloads"), "Where releases come from and how they are verified."),
      Key(
        "", "components", .place("components"), "The components to install, each with its version."),
      Key(
        "", "registries", .mapOf(.place("registry")),
        "Registry mirrors, by registry host (or _default): one hosts.toml each."),
      Key(
        "", "kubernetes", .place("kubernetes"),
        "Present (even empty) to configure containerd as kubelet's CRI runtime."),
      Key(
        "", "proxy", .place("proxy"),
        "An HTTP(S) proxy for containerd, BuildKit and the output's own downloads."),
      Key(
        "", "images", .listOf(.place("image")),
        "Image tarballs verified and imported into containerd's k8s.io namespace, once each."),
      Key(
        "", "runtimes", .place("runtimes"),
        "OCI runtimes besides runc, as containerd's CRI plugin loads them."),
      Key(
        "", "default_runtime", .text("name", "runc or a runtime under `runtimes`"),
        "The runtime containerd's CRI plugin uses by default (default_runtime_name)."),

      Key(
        "downloads", "mirror", url,
        "Replaces https://github.com in every release URL, e.g. an artifact mirror."),
      Key(
        "downloads", "verify", .choice(Downloads.Verify.allCases.map(\.rawValue)),
        "pinned (default): the catalog's or the spec's sha256; published: the project's "
          + "checksum file; none: nothing (a warning)."),
    ]
    + componentNames.map { Key("components", $0, component($0), "The \($0) release to install.") }
    + componentKeys(
      "containerd",
      [
        Key("", "static", .bool, "Install containerd's statically linked build (2.x)."),
        Key("", "root", path, "containerd's persistent data folder (config.toml `root`)."),
        Key("", "state", path, "containerd's runtime state folder (config.toml `state`)."),
        Key(
          "", "settings", .table,
          "A mapping merged into config.toml under the pinned version's layout; keys "
            + "nodespec manages are refused."),
      ])
    + componentKeys("runc") + componentKeys("cni")
    + componentKeys(
      "nerdctl",
      [
        Key(
          "", "completion", .oneOrMany(.choice(Component.Shell.allCases.map(\.rawValue))),
          "Shell completions to install."),
        Key(
          "", "namespace", .text("name", "a containerd namespace name"),
          "The containerd namespace nerdctl uses; k8s.io on Kubernetes nodes, else default."),
      ])
    + componentKeys(
      "buildkit",
      [Key("", "worker", .choice(Component.Worker.allCases.map(\.rawValue)), "BuildKit's worker.")])
    + componentKeys("nerdctl-full") + componentKeys("rootlesskit") + componentKeys("slirp4netns")
    + componentKeys("crictl")
    + ["crun", "youki", "runsc", "kata"].map {
      Key("runtimes", $0, .oneOf([version, .place("runtime.\($0)")]), "The \($0) release to install.")
    }
    + ["crun", "youki", "runsc", "kata"].flatMap { name in
      componentKeys(name).map { Key("runtime.\(name)", $0.name, $0.value, $0.description) }
    }
    + [
      Key(
        "runtimes", "nvidia", .emptyMapping,
        "{}: a runtime entry for the nvidia-container-runtime the node's packages provide, "
          + "with CDI enabled."),

      Key("image", "file", path, "The image tarball on the node."),
      Key("image", "url", url, "Where to download the image tarball."),
      Key("image", "sha256", sha256, "The tarball's sha256. Required."),

      Key("auth", "username", .text("text", "a name without `:`"), "The registry user. Required."),
      Key(
        "auth", "password", .place("secret"),
        "{file: /path} on the node or {env: VAR} of the compiling machine; never inline."),

      Key("proxy", "http", url, "The proxy for http:// URLs, e.g. http://proxy.example:3128."),
      Key("proxy", "https", url, "The proxy for https:// URLs."),
      Key(
        "proxy", "no_proxy",
        .oneOrMany(.text("entry", "a host, .domain, address or CIDR")),
        "Hosts reached without the proxy."),

      Key(
        "kubernetes", "cgroup_driver", .choice(Kubernetes.CgroupDriver.allCases.map(\.rawValue)),
        "The cgroup driver runc uses; it must match kubelet's. Default systemd."),
      Key(
        "kubernetes", "sandbox_image", .text("image", "an image reference"),
        "The pause image containerd's CRI uses."),
      Key(
        "kubernetes", "prerequisites", .bool,
        "Load overlay and br_netfilter and set the bridge and forwarding sysctls."),
      Key("kubernetes", "packages", .bool, "Install kubeadm, kubelet and kubectl."),

      Key(
        "registry", "server", mirrorURL,
        "The upstream registry; omitted, the registry itself after the mirrors."),
      Key("registry", "fallback", .bool, "false: never reach upstream, only the mirrors."),
      Key(
        "registry", "auth", .place("auth"),
        "Basic authentication sent to the registry itself (never to a mirror)."),
      Key(
        "registry", "mirrors", .listOf(.oneOf([mirrorURL, .place("mirror")])),
        "The mirrors, in order."),

      Key("mirror", "url", mirrorURL, "The mirror. Required."),
      Key(
        "mirror", "capabilities",
        .nonEmptyListOf(.choice(Mirror.Capability.allCases.map(\.rawValue))),
        "What the mirror is used for; default [pull, resolve]."),
      Key(
        "mirror", "ca", .oneOf([path, .listOf(path), .place("certificate")]),
        "CA certificates to trust: paths on the node, or one certificate delivered with the spec."),
      Key(
        "mirror", "client",
        .oneOf([path, .listOf(.oneOf([path, .pair(path)])), .place("client")]),
        "Client certificates: paths on the node ([cert, key] pairs), or {cert, key} delivered."),
      Key("mirror", "skip_verify", .bool, "Skip TLS verification (not recommended)."),
      Key("mirror", "override_path", .bool, "The URL's path is the registry's API root."),
      Key(
        "mirror", "header",
        .mapOf(.oneOrMany(.oneOf([.text("text", "a value"), .place("secret")]))),
        "HTTP headers sent to the mirror: a value, or {env: VAR} or {file: /path}."),

      Key("certificate", "pem", .text("pem", "PEM text"), "The certificate itself (PEM)."),
      Key(
        "certificate", "local", .text("local", "a path inside the spec's folder"),
        "A file beside the spec."),
      Key("certificate", "file", path, "A file on the node."),

      Key("client", "cert", .place("certificate"), "The client certificate. Required."),
      Key("client", "key", .place("key"), "The client key (never inline). Required."),

      Key(
        "key", "local", .text("local", "a path inside the spec's folder"), "A file beside the spec."
      ),
      Key("key", "file", path, "A file on the node."),
      Key(
        "key", "env", .text("env", "an environment variable name"),
        "An environment variable of the compiling machine."),

      Key(
        "secret", "env", .text("env", "an environment variable name"),
        "Read from the compiling machine's environment."),
      Key("secret", "file", path, "Read from a file on the node."),
    ]

  /// Places that hold exactly one of their keys (a source: `{env: VAR}`).
  static let oneKeyPlaces: Set<String> = ["certificate", "key", "secret"]
  /// Places where null means an empty mapping (`kubernetes:`).
  static let nullablePlaces: Set<String> = ["downloads", "components", "kubernetes", "registry"]
}

/// What a key's value is, for the schema.
public indirect enum SpecValue: Sendable {
  /// A scalar with a grammar (`version`, `url`, `path`), described in words.
  case text(String, String)
  case bool
  /// One of a closed set of words.
  case choice([String])
  /// `1`.
  case formatVersion
  /// A mapping whose keys are the table's keys of that place.
  case place(String)
  /// A mapping of free keys (registry hosts, header names) to values.
  case mapOf(SpecValue)
  case listOf(SpecValue)
  /// A list of at least one.
  case nonEmptyListOf(SpecValue)
  /// A value or a list of them.
  case oneOrMany(SpecValue)
  /// A value for every arch, or a mapping of arch to value.
  case perArch(SpecValue)
  /// `[a, b]`.
  case pair(SpecValue)
  case oneOf([SpecValue])
  /// A mapping of free keys and values, checked by the compiler (`settings:`).
  case table
  /// `{}`: a mapping that takes no keys.
  case emptyMapping
}
