extension SpecDecoder {
  /// A component's key and the options it accepts besides `version`, `sha256`, `url` and
  /// `accept`. A struct, not a tuple: the runtime builds an array of tuples' type at its
  /// first use, four times what an array of a struct costs.
  struct ComponentOptions {
    var key: String
    var options: [String]
  }

  /// Each component's options (from the key table, `SpecKeys.allowed(in:)`).
  static let componentOptions: [ComponentOptions] = SpecKeys.componentNames.map { name in
    let keys = SpecKeys.allowed(in: "component." + name)
    return ComponentOptions(
      key: name, options: keys.filter { !SpecKeys.componentCommonKeys.contains($0) })
  }

  /// A real release of each component, for hints (`containerd: 2.0.0`): a placeholder such
  /// as 1.2.3 would send the reader to look for a release that does not exist.
  static let exampleVersions: [String: String] = [
    "containerd": "2.0.0", "runc": "1.2.4", "cni": "1.6.1", "nerdctl": "2.0.2",
    "buildkit": "0.18.1", "nerdctl-full": "2.0.3", "rootlesskit": "2.3.1", "slirp4netns": "1.3.1",
    "crictl": "1.32.0",
    "crun": "1.17",
  ]

  /// The component keys, in the key table's order.
  static let componentKeys = componentOptions.map(\.key)

  mutating func components(_ entry: Entry?) -> Components {
    guard let entry else { return Components() }
    var components = Components(range: entry.node.range)
    guard let fields = fields(entry, allowed: Self.componentKeys) else {
      undecoded.insert(entry.path)
      return components
    }
    // Straight into their slots: a `[String: Component]` in between cost more to hash than
    // the components did to decode.
    for known in Self.componentOptions {
      let (name, options) = (known.key, known.options)
      guard let item = fields[name] else { continue }
      let component = decoded(item) { $0.component($1, name: name, options: options) }
      switch name {
      case "containerd": components.containerd = component
      case "runc": components.runc = component
      case "cni": components.cni = component
      case "nerdctl": components.nerdctl = component
      case "buildkit": components.buildkit = component
      case "nerdctl-full": components.nerdctlFull = component
      case "rootlesskit": components.rootlesskit = component
      case "slirp4netns": components.slirp4netns = component
      case "crictl": components.crictl = component
      default: break
      }
    }
    reportConflicts(fields)
    return components
  }

  /// `nerdctl-full` bundles the other five; asking for both would install two of each.
  private mutating func reportConflicts(_ fields: Fields) {
    guard let full = fields["nerdctl-full"], let fullKey = full.key else { return }
    // crictl is no part of the bundle.
    let others = fields.entries.filter { name, _ in name != "nerdctl-full" && name != "crictl" }
    guard !others.isEmpty else { return }
    diagnostics.error(
      "conflicting-components",
      "`nerdctl-full` bundles containerd, runc, CNI, nerdctl, BuildKit, RootlessKit and "
        + "slirp4netns; it cannot be combined "
        + "with \(list(others.map { name, _ in name }))",
      at: fullKey.range, path: full.path,
      notes: others.map { name, entry in .init("`\(name)` asked for here", at: entry.key?.range) },
      hint: "keep either `nerdctl-full` or the separate components")
  }

  /// `name: 2.0.0`, or `name: { version: 2.0.0, ...options }`.
  mutating func component(_ entry: Entry, name: String, options: [String]) -> Component? {
    if entry.node.scalar != nil, !entry.node.isNull {
      return version(entry, of: name).map {
        Component(key: name, version: $0, range: entry.node.range)
      }
    }
    guard
      let fields = fields(
        entry, allowed: SpecKeys.componentCommonKeys + options,
        expected: "a version or a mapping")
    else { return nil }
    let version = fields["version"].flatMap { self.version($0, of: name) }
    if fields["version"] == nil {
      let example = Self.exampleVersions[name].map { "`\(name): {version: \($0)}`" }
      missingKey("version", in: entry, hint: example.map { "e.g. \($0)" })
    }
    let sha256 = fields["sha256"].map { archValues($0) { $0.sha256($1) } } ?? []
    let url = fields["url"].map { self.archValues($0) { $0.url($1, schemeOptional: false) } } ?? []
    let completion = fields["completion"].map { entry in
      Located(oneOrMany(entry) { $0.choice($1, Component.Shell.self)?.value }, at: entry.node.range)
    }
    let worker = fields["worker"].flatMap { choice($0, Component.Worker.self) }
    let staticBuild = fields["static"].flatMap { bool($0) }
    let accept = fields["accept"].map { oneOrMany($0) { $0.diagnosticID($1) } } ?? []
    let root = fields["root"].flatMap { dataFolder($0) }
    let state = fields["state"].flatMap { dataFolder($0) }
    let settings = fields["settings"].flatMap { self.settings($0) }
    let namespace = fields["namespace"].flatMap { self.namespace($0) }
    guard let version else { return nil }
    var component = Component(
      key: name, version: version, sha256: sha256, url: url, completion: completion,
      worker: worker, staticBuild: staticBuild, accept: accept, range: entry.node.range)
    component.root = root
    component.state = state
    component.settings = settings
    component.namespace = namespace
    return component
  }

  /// A value for every arch (a scalar) or per arch (a mapping keyed by arch), sorted by arch
  /// with the every-arch value first.
  private mutating func archValues(
    _ entry: Entry, _ decode: (inout Self, Entry) -> Located<String>?
  ) -> [Located<ArchValue>] {
    guard case .mapping = entry.node.kind else {
      let value = decode(&self, entry)
      return value.map { [Located(ArchValue(arch: nil, value: $0.value), at: $0.range)] } ?? []
    }
    guard let fields = fields(entry, allowed: Arch.allCases.map(\.rawValue)) else { return [] }
    let values = fields.entries.compactMap { name, item -> Located<ArchValue>? in
      guard let arch = Arch(rawValue: name), let value = decode(&self, item) else { return nil }
      return Located(ArchValue(arch: arch, value: value.value), at: value.range)
    }
    // Every value here has an arch: only the scalar form has none.
    return values.sorted { lhs, rhs in
      guard let a = lhs.value.arch, let b = rhs.value.arch else { return false }
      return a < b
    }
  }

  /// A diagnostic id as nodespec prints it in brackets, e.g. `known-bad-version`.
  private mutating func diagnosticID(_ entry: Entry) -> Located<String>? {
    guard let text = string(entry, expected: "a diagnostic id") else { return nil }
    let valid =
      !text.value.isEmpty && text.value.count <= 64
      && text.value.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
      }
    guard valid else {
      diagnostics.error(
        "invalid-value", "`\(display(text.value))` is not a diagnostic id", at: text.range,
        path: entry.path, hint: "copy the id from the warning's brackets, e.g. known-bad-version")
      return nil
    }
    return text
  }

  /// 64 hex digits, lowercased.
  private mutating func sha256(_ entry: Entry) -> Located<String>? {
    guard let text = string(entry, expected: "a sha256") else { return nil }
    guard SpecGrammar.isSHA256(text.value) else {
      diagnostics.error(
        "invalid-sha256", "`\(display(text.value))` is not a sha256 (64 hex digits)",
        at: text.range, path: entry.path, hint: "copy it from `sha256sum FILE`")
      return nil
    }
    return Located(text.value.lowercased(), at: text.range)
  }
}
