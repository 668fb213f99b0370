import Spec

/// The backend-neutral middle of the pipeline: what the node must end up with, as an ordered
/// list of idempotent resources. Backends render a Plan and never look at the spec.
///
/// Invariants the compiler keeps and backends rely on:
/// - resource ids are unique and stable across runs;
/// - every `notifies` edge names a `.service` resource that comes later in `resources`;
/// - every path is absolute and every value has passed validation (no NUL, no newline where a
///   single line is expected); backends still quote every value for their target.
public struct Plan: Sendable, Equatable {
  /// The spec's `name:`, for output headers.
  public var name: String?
  /// The arches artifacts are provided for. One entry: fixed at compile time. Several: the
  /// node decides by `uname -m` (or Ansible facts) and fails clearly on any other.
  public var arches: [Arch]
  public var resources: [Resource]
  /// Variables every download of the output runs with (`curl`, Ansible's `get_url`), in
  /// order: the spec's proxy (`http_proxy`, `https_proxy`, `no_proxy` and their upper-case
  /// names). Empty without one.
  public var downloadEnvironment: [EnvironmentVariable]
  /// Where the node keeps the manifest of what nodespec manages there (absolute):
  /// `docs/plan-contract.md`, "The manifest". Every target reads and writes this one file.
  public var manifest: String
  /// The runtimes' data folders (absolute; images, snapshots, build cache) that an uninstall
  /// keeps and an uninstall with purge removes. No manifest names them: nodespec did not
  /// write what is in them.
  public var purge: [String]
  /// What the node is told on stderr when a run starts (not an uninstall) and the node lacks
  /// something the compiler cannot know about, e.g. `/dev/kvm` for Kata Containers. A run
  /// goes on after it: the node may gain it later (nested virtualization switched on).
  public var warnings: [NodeWarning]

  /// The manifest's place on a node.
  public static let defaultManifest = "/var/lib/nodespec/manifest"

  public init(
    name: String?, arches: [Arch], resources: [Resource],
    downloadEnvironment: [EnvironmentVariable] = [], manifest: String = defaultManifest,
    purge: [String] = [], warnings: [NodeWarning] = []
  ) {
    self.name = name
    self.arches = arches
    self.resources = resources
    self.downloadEnvironment = downloadEnvironment
    self.manifest = manifest
    self.purge = purge
    self.warnings = warnings
  }

  /// Whether the arch is decided on the node.
  public var detectsArch: Bool { arches.count > 1 }

  public func resource(_ id: String) -> Resource? { resources.first { $0.id == id } }
}

/// A warning a run prints (`nodespec: warning: <message>` on stderr) when `path` does not
/// exist on the node. Not a change: a second run prints it again and changes nothing.
public struct NodeWarning: Sendable, Equatable {
  /// Absolute; tested with `-e` (any file type).
  public var path: String
  /// One line, without the `nodespec: warning: ` prefix.
  public var message: String

  public init(unless path: String, _ message: String) {
    self.path = path
    self.message = message
  }
}

/// One thing on the node, with a stable id and the spec range it came from.
public struct Resource: Sendable, Equatable {
  /// Stable, dotted, e.g. `containerd.archive`, `registry.docker.io.hosts`.
  public var id: String
  /// The spec range this resource came from, for backends that must report at the spec line.
  public var origin: SourceRange?
  public var kind: Kind
  /// Ids of `.service` resources to restart when this resource changed.
  public var notifies: [String]
  /// nil: always applied. Otherwise applied only where the condition holds on the node.
  public var condition: Condition?

  public init(
    id: String, origin: SourceRange?, kind: Kind, notifies: [String] = [],
    condition: Condition? = nil
  ) {
    self.id = id
    self.origin = origin
    self.kind = kind
    self.notifies = notifies
    self.condition = condition
  }

  /// What must hold on the node for a resource to be applied; otherwise it is skipped as if
  /// it had found nothing to change (it notifies nothing).
  public enum Condition: Sendable, Equatable {
    /// This path exists (any file type), e.g. a `/proc/sys` key only some kernels have.
    case pathExists(String)
    /// systemd runs (`/run/systemd/system` is a directory). Skipping says so on stderr:
    /// `nodespec: systemd is not running: skipped <id>`.
    case systemdRunning
  }

  /// The closed set of resource kinds. Backends switch over it exhaustively.
  public enum Kind: Sendable, Equatable {
    case directory(Directory)
    case file(File)
    case artifact(Artifact)
    case packages(Packages)
    case kernelModule(KernelModule)
    case sysctl(Sysctl)
    case service(Service)
    case command(Command)
  }
}

/// An owner and group by name; nil means root:root.
///
/// A directory or file with an owner is made and written by a process running as that user
/// (with that user's rights alone), never by root: it lies in a folder the user controls
/// (rootless mode's `~/.config`), where root following a planted symlink would hand the user
/// whatever it points at. The group must be one of the user's groups.
public struct Ownership: Sendable, Hashable {
  public var user: String
  public var group: String

  public init(user: String, group: String) {
    self.user = user
    self.group = group
  }
}

/// A directory that must exist (parents included).
public struct Directory: Sendable, Equatable {
  public var path: String
  /// Unix permission bits, e.g. `0o755`.
  public var mode: Int
  public var owner: Ownership?

  public init(path: String, mode: Int = 0o755, owner: Ownership? = nil) {
    self.path = path
    self.mode = mode
    self.owner = owner
  }
}

/// A file with exact content. Written only when content, mode or owner differ; parents are
/// created with mode 0755.
public struct File: Sendable, Equatable {
  public var path: String
  public var content: Content
  public var mode: Int
  public var owner: Ownership?

  public init(path: String, content: Content, mode: Int = 0o644, owner: Ownership? = nil) {
    self.path = path
    self.content = content
    self.mode = mode
    self.owner = owner
  }

  /// The file's bytes, in parts. A `.secretFile` part is read on the node at install time
  /// from a file there (so no secret sits in the spec or the output); a file with one is a
  /// secret as a whole: never printed, never logged.
  public struct Content: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
      case text(String)
      /// The content of this file on the node, without its trailing newline.
      case secretFile(path: String)
      /// The same, escaped for where it goes; content that cannot be escaped stops the run,
      /// naming the file and never showing its content.
      case escapedSecretFile(path: String, escaping: Escaping)

      /// The node file this part reads, if it reads one.
      public var nodeFile: String? {
        switch self {
        case .text: nil
        case .secretFile(let path), .escapedSecretFile(let path, _): path
        }
      }
    }

    /// How an `.escapedSecretFile` part is escaped on the node.
    public enum Escaping: Sendable, Equatable {
      /// The body of a TOML basic string: `\` as `\\`, `"` as `\"`, a tab as `\t`. Any
      /// other control character (a line break inside the content, U+0000 to U+001F, U+007F)
      /// or bytes that are not UTF-8 are refused: TOML would need them escaped, and no HTTP
      /// header value holds them.
      case tomlBasicString
      /// An HTTP basic-auth credential (RFC 7617): the base64 of `username`, `:` and the
      /// content, which is the password. Content with a control character but tab (a line
      /// break inside it included) or bytes that are not UTF-8 is refused, as for a TOML
      /// string.
      /// The result is base64 text, safe in any string.
      case basicAuth(username: String)
    }

    public var parts: [Part]
    /// True when the content holds a secret (from the environment or a node file).
    public var isSecret: Bool

    public init(_ parts: [Part], isSecret: Bool = false) {
      self.parts = parts
      self.isSecret = isSecret || parts.contains { $0.nodeFile != nil }
    }

    public init(_ text: String, isSecret: Bool = false) {
      self.init([.text(text)], isSecret: isSecret)
    }

    /// The text when the content has no node-side parts.
    public var literalText: String? {
      var out = ""
      for part in parts {
        guard case let .text(t) = part else { return nil }
        out += t
      }
      return out
    }
  }
}

/// A release download, verified before anything is installed from it.
public struct Artifact: Sendable, Equatable {
  /// For messages, e.g. `containerd 2.0.0`.
  public var title: String
  /// The release's version as the spec names it, e.g. `2.0.0`, for `nodespec plan`.
  public var version: String?
  /// One per arch in `Plan.arches` (exactly those, in the same order).
  public var sources: [Source]
  public var install: Install
  /// Absolute paths the install leaves behind; if one is missing the artifact is reinstalled.
  public var provides: [String]
  /// Absolute path of the stamp file recording what is installed. The artifact is skipped
  /// when the stamp holds `stampContent(for:)` and every `provides` path exists.
  public var stamp: String

  public init(
    title: String, version: String? = nil, sources: [Source], install: Install,
    provides: [String], stamp: String
  ) {
    self.title = title
    self.version = version
    self.sources = sources
    self.install = install
    self.provides = provides
    self.stamp = stamp
  }

  public struct Source: Sendable, Equatable {
    public var arch: Arch
    public var url: String
    /// The asset's file name, as the project's checksum files name it.
    public var fileName: String
    public var check: Check

    public init(arch: Arch, url: String, fileName: String, check: Check) {
      self.arch = arch
      self.url = url
      self.fileName = fileName
      self.check = check
    }
  }

  public enum Check: Sendable, Equatable {
    /// Pinned lowercase hex sha256.
    case sha256(String)
    /// Pinned lowercase hex sha512 (gVisor publishes only sha512).
    case sha512(String)
    /// The project's checksum file (sha256sum format); the line whose file name equals
    /// `Source.fileName` gives the hash.
    case published(checksumURL: String)
    /// Not checked (the spec said `verify: none`).
    case none
  }

  public enum Install: Sendable, Equatable {
    /// A raw binary installed at `path` with `mode`.
    case binary(path: String, mode: Int)
    /// A tarball extracted into `directory` (created if missing), members' modes kept; a
    /// folder that exists keeps its own mode and owner (an archive unpacked over `/` names
    /// `./` and `./opt/`).
    case archive(directory: String, format: ArchiveFormat = .tarGz)
  }

  /// How an archive is compressed: the node needs the matching decompressor for tar.
  public enum ArchiveFormat: String, Sendable, Equatable {
    /// gzip (`tar -z`), which every tar reads.
    case tarGz = "tar.gz"
    /// xz (`tar -J`): the `xz` program must be installed, which minimal images lack.
    case tarXz = "tar.xz"
  }

  /// What the stamp file holds after installing `source`: one line, `<url> <check>`.
  public static func stampContent(for source: Source) -> String {
    let check: String =
      switch source.check {
      case let .sha256(hex): "sha256:\(hex)"
      case let .sha512(hex): "sha512:\(hex)"
      case let .published(url): "published:\(url)"
      case .none: "unverified"
      }
    return "\(source.url) \(check)\n"
  }
}

/// Distribution packages, named per package manager; the node uses whichever it has.
public struct Packages: Sendable, Equatable {
  public var apt: [String]
  public var dnf: [String]
  public var zypper: [String]

  public init(apt: [String], dnf: [String], zypper: [String]) {
    self.apt = apt
    self.dnf = dnf
    self.zypper = zypper
  }
}

/// A kernel module loaded now (persistence is a `.file` in /etc/modules-load.d).
public struct KernelModule: Sendable, Equatable {
  public var name: String

  public init(name: String) { self.name = name }
}

/// A kernel parameter set now when it differs (persistence is a `.file` in /etc/sysctl.d).
public struct Sysctl: Sendable, Equatable {
  public var key: String
  public var value: String

  public init(key: String, value: String) {
    self.key = key
    self.value = value
  }
}

/// A systemd unit: enabled, and started when systemd runs. Restarted when a resource that
/// notifies it changed; never restarted otherwise.
public struct Service: Sendable, Equatable {
  public enum Scope: Sendable, Equatable {
    case system
    /// A unit of this user's systemd instance (rootless).
    case user(String)
  }

  /// e.g. `containerd.service`.
  public var unit: String
  /// Where the unit file is (written by a `.file` resource or an artifact).
  public var unitPath: String
  /// The target whose `.wants` folder enables it, from the unit's `[Install] WantedBy=`.
  public var wantedBy: String
  public var scope: Scope

  public init(unit: String, unitPath: String, wantedBy: String, scope: Scope = .system) {
    self.unit = unit
    self.unitPath = unitPath
    self.wantedBy = wantedBy
    self.scope = scope
  }
}

/// A command, run only when its guard says so.
public struct Command: Sendable, Equatable {
  public enum Guard: Sendable, Equatable {
    /// Skip when this path exists.
    case creates(String)
    /// Skip when this command exits 0.
    case unless([String])
  }

  /// For messages, e.g. `install rootless containerd`.
  public var title: String
  public var argv: [String]
  /// nil: root. Otherwise run as this user through a login environment with
  /// `XDG_RUNTIME_DIR` set.
  public var user: String?
  /// Extra environment, in order.
  public var environment: [EnvironmentVariable]
  public var `guard`: Guard

  public init(
    title: String, argv: [String], user: String? = nil, environment: [EnvironmentVariable] = [],
    guard: Guard
  ) {
    self.title = title
    self.argv = argv
    self.user = user
    self.environment = environment
    self.guard = `guard`
  }
}

public struct EnvironmentVariable: Sendable, Hashable {
  public var name: String
  public var value: String

  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}
