import Spec

/// `components.containerd.settings:` merged into the config.toml nodespec writes.
///
/// A setting may add any key, but not change one nodespec writes (an error naming the spec
/// key that decides it): the spec stays the one place that says what the node runs with.
/// A key the pinned containerd does not read (`ContainerdConfigKeys`) is a warning, since
/// containerd ignores it (1.x silently; 2.x with a log line).
enum ContainerdSettings {
  /// The top-level keys nodespec decides even when it writes none: the data folders come
  /// from their own spec keys, so that a change of them restarts containerd and warns.
  /// The manager of what no spec key decides (`imports`).
  static let nodespec = "nodespec"

  static let reserved: [String: String] = [
    "root": "components.containerd.root", "state": "components.containerd.state",
  ]

  /// - Parameter dropIns: the conf.d folder config.toml imports, for hints.
  static func merge(
    _ settings: [Setting], into config: inout ConfigTable, keys: ContainerdConfigKeys?,
    dropIns: String, diagnostics: inout Diagnostics
  ) {
    merge(settings, at: [], into: &config, keys: keys, dropIns: dropIns, diagnostics: &diagnostics)
  }

  private static func merge(
    _ settings: [Setting], at path: [String], into config: inout ConfigTable,
    keys: ContainerdConfigKeys?, dropIns: String, diagnostics: inout Diagnostics
  ) {
    for setting in settings {
      let here = path + [setting.key.value]
      let specPath = "components.containerd.settings." + here.joinedUTF8(separator: ".")
      if let managedBy = manager(of: here, isTable: isTable(setting.value.value), in: config) {
        let written = "`\(ConfigTable.dotted(here))` is written by nodespec"
        diagnostics.error(
          "managed-setting",
          managedBy == nodespec
            ? "\(written): it imports \(dropIns)/*.toml" : "\(written) from `\(managedBy)`",
          at: setting.key.range, path: specPath,
          hint: managedBy == nodespec
            ? "put the file in \(dropIns); containerd reads it after config.toml"
            : "set `\(managedBy)` in the spec instead")
        continue
      }
      if case .table(let children) = setting.value.value {
        merge(
          children, at: here, into: &config, keys: keys, dropIns: dropIns,
          diagnostics: &diagnostics)
        continue
      }
      if let keys, keys.reads(here) == false {
        diagnostics.warning(
          "unknown-setting",
          "containerd \(keys.line) does not read `\(ConfigTable.dotted(here))` (its config at "
            + "\(keys.tag))",
          at: setting.key.range, path: specPath,
          hint: hint(for: here, keys: keys))
      }
      config.set(here, tomlValue(setting.value.value), managedBy: nil)
    }
  }

  private static func isTable(_ value: Setting.Value) -> Bool {
    if case .table = value { true } else { false }
  }

  /// The spec key deciding `path` when a setting there would change what nodespec writes: a
  /// managed value at it (or, for a value, anywhere in a table at it), or above it.
  private static func manager(of path: [String], isTable: Bool, in config: ConfigTable)
    -> String?
  {
    if path.count == 1, let reserved = reserved[path[0]] { return reserved }
    for end in path.indices.dropLast() {
      if case .value(_, let managedBy?) = config.entry(at: Array(path[...end])) {
        return managedBy
      }
    }
    switch config.entry(at: path) {
    case .value(_, let managedBy?): return managedBy
    case .table(let table) where !isTable: return table.firstManaged?.managedBy
    default: return nil
    }
  }

  private static func hint(for path: [String], keys: ContainerdConfigKeys) -> String {
    let plugins = Set(keys.keys.compactMap { $0.first == "plugins" ? $0[1] : nil }).sorted()
    if path.count >= 2, path[0] == "plugins", !plugins.contains(path[1]) {
      let tables = plugins.map { "`\($0)`" }.joinedUTF8(separator: ", ")
      return "config version \(keys.layout) has the CRI tables \(tables)"
    }
    let siblings = keys.keys.filter {
      $0.count == path.count && Array($0.dropLast()) == Array(path.dropLast())
    }.compactMap(\.last)
    if let guess = closest(to: path[path.count - 1], among: siblings) {
      return "did you mean `\(guess)`?"
    }
    return "containerd ignores it; check the key against `containerd config default` of that "
      + "version"
  }

  static func tomlValue(_ value: Setting.Value) -> TOMLValue {
    switch value {
    case .string(let s): .string(s)
    case .integer(let i): .integer(i)
    case .float(let f): .float(f)
    case .bool(let b): .bool(b)
    case .array(let items): .array(items.map { tomlValue($0.value) })
    case .table(let settings):
      .inlineTable(settings.map { TOMLField(key: $0.key.value, value: tomlValue($0.value.value)) })
    }
  }
}
