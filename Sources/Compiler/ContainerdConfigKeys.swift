/// The config.toml keys a containerd release reads: its own top-level keys and its CRI plugin
/// tables, from containerd's Go structs at each recorded tag (`recorded`, generated from
/// `catalog/containerd-config-keys.json` by `scripts/containerd-config-keys.py --swift`).
/// Other plugins' tables are not recorded: a key under them is neither known nor unknown.
struct ContainerdConfigKeys: Sendable {
  /// The tag whose structs the keys come from, e.g. `v2.1.0`.
  var tag: String
  var layout: Int
  /// Key paths; `*` stands for any key of a map.
  var keys: [[String]]

  /// The recorded key set for a containerd version: the newest recorded tag of its minor
  /// line at or below it, else the line's oldest (the structs change only between lines, and
  /// `IntegrationTests/upstream.sh` checks every catalog version against it). Nil for a line
  /// with no recorded tag.
  static func forVersion(_ version: SemanticVersion) -> ContainerdConfigKeys? {
    let line = all.filter { $0.version.line == version.line }
    let below = line.filter { $0.version <= version }
    let chosen = below.max { $0.version < $1.version } ?? line.min { $0.version < $1.version }
    return chosen?.keys
  }

  /// The CRI plugin tables of every recorded layout (`io.containerd.grpc.v1.cri`,
  /// `io.containerd.cri.v1.images`, `io.containerd.cri.v1.runtime`): the plugins whose keys
  /// are recorded, so a key under them that a version lacks is known to be unread.
  static let criPlugins: Set<String> = Set(
    all.flatMap { $0.keys.keys.compactMap { $0.first == "plugins" ? $0[1] : nil } })

  /// `2.1` for `v2.1.0`: the line the key set stands for.
  var line: String { tag.dropFirst().split(separator: ".").prefix(2).joined(separator: ".") }

  /// Whether the version reads `path` (a leaf: a value, not a table); nil when the path is
  /// under a plugin whose keys are not recorded.
  func reads(_ path: [String]) -> Bool? {
    if path.first == "plugins" {
      guard path.count >= 2, Self.criPlugins.contains(path[1]) else { return nil }
    }
    return keys.contains { key in
      key.count == path.count && zip(key, path).allSatisfy { $0 == "*" || $0 == $1 }
    }
  }

  /// Every recorded tag, parsed once.
  private static let all: [(version: SemanticVersion, keys: ContainerdConfigKeys)] =
    recorded.compactMap { entry in
      guard let version = SemanticVersion(String(entry.tag.dropFirst())) else { return nil }
      let keys = entry.keys.split(separator: "\n").map {
        $0.split(separator: " ").map(String.init)
      }
      return (version, ContainerdConfigKeys(tag: entry.tag, layout: entry.layout, keys: keys))
    }
}
