/// Decodes a YAML node tree into a `NodeSpec`, checking every value against the format in
/// `docs/spec.md`.
///
/// Scalars are typed by the key they sit under, never by YAML 1.1 guessing: `1.10` stays the
/// string "1.10", `yes` is not a boolean. Decoding goes on after an error so that one run
/// reports every problem. Values the format leaves out get their default, located at the
/// mapping they were left out of.
public struct SpecDecoder {
  /// - Returns: the spec, or nil when `nodespec:` is missing or the root is not a mapping.
  ///   A returned spec may still come with errors in `diagnostics`: check `hasErrors`.
  public static func decode(_ root: YAMLNode, diagnostics: inout Diagnostics) -> NodeSpec? {
    var decoder = SpecDecoder()
    let spec = decoder.spec(root)
    for diagnostic in decoder.diagnostics.all { diagnostics.append(diagnostic) }
    return spec
  }

  var diagnostics = Diagnostics()
  /// See `NodeSpec.undecoded`.
  var undecoded: Set<String> = []

  private init() {}

  // The allowed keys of each place come from the format's key table (`SpecKeys`), which
  // `nodespec schema` is generated from too.
  static let topKeys = SpecKeys.allowed(in: "")
  static let downloadsKeys = SpecKeys.allowed(in: "downloads")
  static let kubernetesKeys = SpecKeys.allowed(in: "kubernetes")
  static let runtimeKeys = SpecKeys.allowed(in: "runtimes")

  private mutating func spec(_ root: YAMLNode) -> NodeSpec? {
    var tagged: Set<SourceRange> = []
    reportApplicationTags(root, seen: &tagged)
    guard let top = fields(Entry(node: root, path: ""), allowed: Self.topKeys) else {
      return nil
    }
    // Without `nodespec:` the rest is still checked as format 1, the only one there is.
    guard let format = formatVersion(top) ?? assumedFormat(top, at: root.range) else {
      return nil
    }
    // The loader takes `extends` out of every file it reads: here it came from a `--set`.
    if let extends = top["extends"] {
      diagnostics.error(
        "invalid-extends", "`extends` is followed only where a spec file writes it",
        at: extends.key?.range ?? extends.node.range, path: "extends",
        hint: "write it in the spec; a `--set` cannot add bases")
    }
    let name = decoded(top["name"]) {
      $0.string(
        $1, matching: SpecGrammar.isName, else: "invalid-name", "is not a valid name",
        hint: "1 to 63 letters, digits, `.`, `_` or `-`")
    }
    let archChoice = decoded(top["arch"]) { $0.arch($1) } ?? Located(.auto, at: root.range)
    let mode = decoded(top["mode"]) { $0.choice($1, Mode.self) }
    let user = decoded(top["user"]) {
      $0.string(
        $1, matching: SpecGrammar.isUser, else: "invalid-user", "is not a valid user name",
        hint: "lowercase letters, digits, `_` and `-`, starting with a letter or `_`, at most 32")
    }
    // A `mode` that did not decode may have meant rootless: no warning then.
    let rootMode = mode.map { $0.value == .root } ?? (top["mode"] == nil)
    if let user, rootMode {
      diagnostics.warning(
        "user-ignored", "`user` is ignored in root mode", at: user.range, path: "user",
        hint: "set `mode: rootless` to run the runtime as this user, or remove `user`")
    }
    let home = decoded(top["home"]) { $0.home($1) }
    if let home, rootMode {
      diagnostics.warning(
        "home-ignored", "`home` is ignored in root mode", at: home.range, path: "home",
        hint: "set `mode: rootless`, or remove `home`")
    }
    let prefix = decoded(top["prefix"]) { $0.path($1) } ?? Located("/usr/local", at: root.range)
    let downloads = self.downloads(top["downloads"], default: root.range)
    let components = self.components(top["components"])
    let registries = top["registries"].map { self.registries($0) } ?? []
    let kubernetes = decoded(top["kubernetes"]) { $0.kubernetes($1) }
    let proxy = decoded(top["proxy"]) { $0.proxy($1) }
    let images = top["images"].map { self.images($0) } ?? []
    var spec = NodeSpec(
      formatVersion: format, name: name, arch: archChoice,
      mode: mode ?? Located(.root, at: root.range), user: user, prefix: prefix,
      downloads: downloads, components: components, registries: registries,
      kubernetes: kubernetes, range: root.range, home: home, undecoded: undecoded)
    spec.proxy = proxy
    spec.images = images
    spec.runtimes = runtimes(top["runtimes"])
    spec.runtimes.defaultRuntime = decoded(top["default_runtime"]) { $0.string($1) }
    spec.imagesRange = top["images"].map { $0.key?.range ?? $0.node.range }
    return spec
  }

  /// `runtimes:` maps a runtime to its version (or a component mapping); `nvidia: {}` takes
  /// no options (the node's packages provide it).
  private mutating func runtimes(_ entry: Entry?) -> Runtimes {
    var runtimes = Runtimes()
    guard let entry else { return runtimes }
    runtimes.range = entry.key?.range ?? entry.node.range
    guard let fields = fields(entry, allowed: Self.runtimeKeys) else {
      undecoded.insert(entry.path)
      return runtimes
    }
    for (name, item) in fields.entries {
      if name == "nvidia" {
        if self.fields(item, allowed: [], expected: "{} (nvidia takes no options)") != nil {
          runtimes.nvidia = item.key?.range ?? item.node.range
        }
        continue
      }
      let runtime = decoded(item) { $0.component($1, name: name, options: []) }
      switch name {
      case "crun": runtimes.crun = runtime
      case "youki": runtimes.youki = runtime
      case "runsc": runtimes.runsc = runtime
      default: runtimes.kata = runtime
      }
    }
    return runtimes
  }

  /// `images:` is a list of `{file: PATH, sha256: HEX}` or `{url: URL, sha256: HEX}`.
  private mutating func images(_ entry: Entry) -> [ImagePreload] {
    if entry.node.isNull { return [] }
    guard case .sequence(let items) = entry.node.kind else {
      mismatch(entry, expected: "a sequence of {file, sha256} or {url, sha256}")
      undecoded.insert(entry.path)
      return []
    }
    return items.enumerated().compactMap { index, node in
      let item = entry.item(node, index)
      let image = self.image(item)
      if image == nil { undecoded.insert("images") }
      return image
    }
  }

  private mutating func image(_ entry: Entry) -> ImagePreload? {
    guard let fields = fields(entry, allowed: SpecKeys.allowed(in: "image")) else { return nil }
    var source: Located<ImagePreload.Source>?
    switch (fields["file"], fields["url"]) {
    case (let file?, nil):
      source = path(file).map { Located(.file($0.value), at: $0.range) }
    case (nil, let url?):
      source = self.url(url, schemeOptional: false).map { Located(.url($0.value), at: $0.range) }
    case (_?, _?):
      diagnostics.error(
        "invalid-value", "an image comes from `file` or from `url`, not both",
        at: entry.node.range, path: entry.path)
    case (nil, nil):
      missingKey(
        "file", in: entry, hint: "`file: /srv/images/x.tar` on the node, or `url: https://…`")
    }
    var sha256: Located<String>?
    if let given = fields["sha256"] {
      sha256 = string(
        given, matching: { SpecGrammar.isSHA256($0) }, else: "invalid-sha256",
        "is not a sha256", hint: "64 hex digits, e.g. the output of `sha256sum image.tar`"
      ).map { Located($0.value.lowercased(), at: $0.range) }
    } else {
      missingKey("sha256", in: entry, hint: "every image is checked before it is imported")
    }
    guard let source, let sha256 else { return nil }
    return ImagePreload(source: source, sha256: sha256, range: entry.node.range)
  }

  /// What `decode` makes of `entry`; when the spec writes `entry` but it does not decode, its
  /// path goes to `undecoded`.
  mutating func decoded<Value>(
    _ entry: Entry?, _ decode: (inout Self, Entry) -> Value?
  ) -> Value? {
    guard let entry else { return nil }
    let value = decode(&self, entry)
    if value == nil { undecoded.insert(entry.path) }
    return value
  }

  /// Format 1 when `nodespec:` is missing (reported by `formatVersion`); nil when it is there
  /// but names another format, whose rules are unknown.
  private func assumedFormat(_ top: Fields, at range: SourceRange) -> Located<Int>? {
    top["nodespec"] == nil ? Located(1, at: range.startOnly) : nil
  }

  /// The tags accepted: YAML's core schema (`!!str` and the rest) and the non-specific `!`.
  /// They change nothing: the schema types every value.
  static let coreTags: Set<String> = [
    "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:float", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
  ]

  /// Any other tag is refused: application tags (`!vault`, `!env`, `!python/object`) mean
  /// something to some other tool and would be silently ignored here, and YAML's other
  /// `!!` tags (`!!binary`, `!!timestamp`, `!!python/…`) ask for a conversion nobody checks.
  /// A tagged node is reported where it is written and where an alias uses it, but the nodes
  /// inside an alias only once.
  private mutating func reportApplicationTags(_ node: YAMLNode, seen: inout Set<SourceRange>) {
    if let tag = node.tag, !Self.coreTags.contains(tag), seen.insert(node.range).inserted {
      let core = "tag:yaml.org,2002:"
      let shown = tag.hasPrefix(core) ? "!!" + tag.dropFirst(core.count) : Substring(tag)
      diagnostics.error(
        "unsupported-tag", "the tag `\(display(String(shown)))` is not supported", at: node.range,
        hint: "remove the tag; values are typed by their key (only `!` and YAML's core tags "
          + "`!!str`, `!!int`, `!!bool`, `!!null`, `!!float`, `!!map`, `!!seq` are accepted)")
    }
    switch node.kind {
    case .scalar: break
    case .sequence(let items):
      for item in items { reportApplicationTags(item, seen: &seen) }
    case .mapping(let pairs):
      for pair in pairs {
        reportApplicationTags(pair.key, seen: &seen)
        reportApplicationTags(pair.value, seen: &seen)
      }
    }
  }

  private mutating func formatVersion(_ top: Fields) -> Located<Int>? {
    guard let entry = top["nodespec"] else {
      diagnostics.error(
        "missing-key", "the spec has no `nodespec` key", at: top.range.startOnly,
        hint: "start the spec with `nodespec: 1`")
      return nil
    }
    guard let text = string(entry) else { return nil }
    guard text.value == "1" else {
      diagnostics.error(
        "invalid-value", "unsupported format version `\(display(text.value))`", at: text.range,
        path: entry.path, hint: "the only format version is 1")
      return nil
    }
    return Located(1, at: text.range)
  }

  private mutating func arch(_ entry: Entry) -> Located<ArchChoice>? {
    guard let text = string(entry) else { return nil }
    if text.value == "auto" { return Located(.auto, at: text.range) }
    if let arch = Arch(rawValue: text.value) { return Located(.fixed(arch), at: text.range) }
    let named = Arch.allCases.first { $0.unameMachine.contains(text.value) }
    let allowed = Arch.allCases.map(\.rawValue) + ["auto"]
    diagnostics.error(
      "invalid-value", "unknown arch `\(display(text.value))`", at: text.range, path: entry.path,
      hint: named.map { "write `\($0.rawValue)` (the Go name)" } ?? "one of: \(list(allowed))")
    return nil
  }

  private mutating func downloads(_ entry: Entry?, default range: SourceRange) -> Downloads {
    let fields = entry.flatMap { self.fields($0, allowed: Self.downloadsKeys) }
    let mirror = fields?["mirror"].flatMap { self.url($0, schemeOptional: false) }
    let verify =
      fields?["verify"].flatMap { choice($0, Downloads.Verify.self) }
      ?? Located(.pinned, at: entry?.node.range ?? range)
    if verify.value == .none {
      diagnostics.warning(
        "verify-none", "downloads will not be checked against any checksum", at: verify.range,
        path: "downloads.verify", hint: "use `pinned` (the default) or `published`")
    }
    return Downloads(mirror: mirror, verify: verify)
  }

  private mutating func kubernetes(_ entry: Entry) -> Kubernetes? {
    guard let fields = fields(entry, allowed: Self.kubernetesKeys) else { return nil }
    let range = entry.node.range
    let driver = fields["cgroup_driver"].flatMap { choice($0, Kubernetes.CgroupDriver.self) }
    let image = fields["sandbox_image"].flatMap {
      string(
        $0, matching: SpecGrammar.isImageReference, else: "invalid-image",
        "is not an image reference", hint: "e.g. registry.k8s.io/pause:3.10")
    }
    let prerequisites = fields["prerequisites"].flatMap { bool($0) }
    let packages = fields["packages"].flatMap { bool($0) }
    return Kubernetes(
      cgroupDriver: driver ?? Located(.systemd, at: range), sandboxImage: image,
      prerequisites: prerequisites ?? Located(false, at: range), packages: packages, range: range,
      keyRange: entry.key?.range)
  }
}

// MARK: - Mappings and keys

extension SpecDecoder {
  /// A value in the tree together with its logical path (`components.nerdctl.version`) and,
  /// for mapping entries, the key node (for diagnostics that point at the key).
  struct Entry {
    var node: YAMLNode
    var key: YAMLNode?
    /// The path of what holds this entry, and the step from there to it: the path itself is
    /// spelt out only when asked (a diagnostic, or a nested mapping's entries), not for every
    /// value decoded.
    private var base: String
    private var step: Step

    private enum Step {
      case none
      case key(String)
      case index(Int)
    }

    init(node: YAMLNode, path: String, key: YAMLNode? = nil) {
      self.init(node: node, key: key, base: path, step: .none)
    }

    private init(node: YAMLNode, key: YAMLNode?, base: String, step: Step) {
      self.node = node
      self.key = key
      self.base = base
      self.step = step
    }

    var path: String {
      switch step {
      case .none: base
      case .key(let name): base.isEmpty ? name : "\(base).\(name)"
      case .index(let index): "\(base)[\(index)]"
      }
    }

    func child(_ node: YAMLNode, key: YAMLNode? = nil, name: String) -> Entry {
      Entry(node: node, key: key, base: path, step: .key(name))
    }

    func item(_ node: YAMLNode, _ index: Int) -> Entry {
      Entry(node: node, key: nil, base: path, step: .index(index))
    }
  }

  /// The entries of one mapping whose keys were all checked against the allowed ones: the
  /// names and their entries side by side. An array of `(name, entry)` tuples was copied a
  /// tuple at a time (through the runtime's generic tuple copy) by every lookup.
  struct Fields {
    var names: [String]
    var values: [Entry]
    var range: SourceRange

    /// Each name with its entry, in document order.
    var entries: Zip2Sequence<[String], [Entry]> { zip(names, values) }

    subscript(name: String) -> Entry? {
      names.firstIndex(of: name).map { values[$0] }
    }
  }

  /// The mapping at `entry`, with unknown keys reported (and left out). Null counts as an
  /// empty mapping, so `kubernetes:` and `kubernetes: {}` mean the same.
  mutating func fields(
    _ entry: Entry, allowed: [String]?, expected: String = "a mapping"
  ) -> Fields? {
    if entry.node.isNull { return Fields(names: [], values: [], range: entry.node.range) }
    guard case .mapping(let pairs) = entry.node.kind else {
      mismatch(entry, expected: expected)
      return nil
    }
    var names: [String] = []
    var values: [Entry] = []
    names.reserveCapacity(pairs.count)
    values.reserveCapacity(pairs.count)
    // Every entry of this mapping starts from its path: spelt out once.
    let path = entry.path
    let parent = Entry(node: entry.node, path: path)
    for pair in pairs {
      // The reader lets only scalar keys through.
      let name = pair.key.scalar?.text ?? ""
      if let allowed, !allowed.contains(name) {
        unknownKey(name, at: pair.key.range, path: path, allowed: allowed)
        continue
      }
      names.append(name)
      values.append(parent.child(pair.value, key: pair.key, name: name))
    }
    return Fields(names: names, values: values, range: entry.node.range)
  }

  mutating func unknownKey(
    _ name: String, at range: SourceRange, path: String, allowed: [String]
  ) {
    let guess = closest(to: name, among: allowed)
    // What the misspelt key holds was meant for the key it resembles.
    if let guess { undecoded.insert(path.isEmpty ? guess : "\(path).\(guess)") }
    let home = guess == nil ? Self.keyHomes.first { $0.keys.contains(name) } : nil
    if let home, let parent = home.path {
      undecoded.insert(parent.isEmpty ? name : "\(parent).\(name)")
    }
    let hint =
      guess.map { "did you mean `\($0)`?" }
      ?? home.map { "`\(name)` belongs \($0.place); is it indented at the wrong level?" }
      ?? "valid keys here: \(list(allowed))"
    diagnostics.error(
      "unknown-key", "unknown key `\(display(name))`", at: range,
      path: path.isEmpty ? name : "\(path).\(name)", hint: hint)
  }

  /// Where each key of the format belongs, for a key written at the wrong indentation: the
  /// place in words, and its logical path when there is only one such place.
  static let keyHomes: [(place: String, path: String?, keys: [String])] = [
    ("at the top level", "", topKeys),
    ("under `components`", "components", componentOptions.map(\.key)),
    (
      "in a component's mapping (`containerd: {version: 2.0.0}`)", nil,
      SpecKeys.componentCommonKeys + componentOptions.flatMap(\.options)
    ),
    ("under `downloads`", "downloads", downloadsKeys),
    ("under `kubernetes`", "kubernetes", kubernetesKeys),
    ("under `proxy`", "proxy", proxyKeys),
    ("in a registry's mapping (under `registries`)", nil, registryKeys),
    ("in a mirror's mapping (an item of `mirrors`)", nil, mirrorKeys),
  ]

  mutating func mismatch(_ entry: Entry, expected: String) {
    // `name:` with nothing after it: libyaml puts the empty value right after the colon, but
    // the key is what the reader will look for.
    let isEmpty = entry.node.isNull && entry.node.scalar?.text == ""
    diagnostics.error(
      "type-mismatch", "expected \(expected), found \(entry.node.kindDescription)",
      at: isEmpty ? entry.key?.range ?? entry.node.range : entry.node.range, path: entry.path)
  }

  mutating func missingKey(_ name: String, in entry: Entry, hint: String? = nil) {
    let range = entry.key?.range ?? entry.node.range
    diagnostics.error(
      "missing-key", "`\(entry.path)` needs a `\(name)` key", at: range, path: entry.path,
      hint: hint)
  }
}

// MARK: - Scalars

extension SpecDecoder {
  /// The text of a scalar, refusing null, collections and control characters.
  mutating func string(_ entry: Entry, expected: String = "a string") -> Located<String>? {
    guard let scalar = entry.node.scalar, !entry.node.isNull else {
      mismatch(entry, expected: expected)
      return nil
    }
    if let bad = Self.firstForbidden(in: scalar.text) {
      diagnostics.error(
        "control-character",
        "the value holds the control character \(codePoint(bad))",
        at: entry.node.range, path: entry.path,
        hint: "spec values are single-line text without control characters")
      return nil
    }
    return Located(scalar.text, at: entry.node.range)
  }

  /// The first character of `text` no spec value may hold (`isForbiddenInSpecValue`).
  /// Printable ASCII, nearly every value, holds none: its bytes are checked first, and the
  /// scalars only when a byte is not printable ASCII.
  static func firstForbidden(in text: String) -> Unicode.Scalar? {
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
    return text.unicodeScalars.first(where: \.isForbiddenInSpecValue)
  }

  /// `true` or `false`, and nothing else: `yes`/`on`/`1` are YAML 1.1 guesses.
  mutating func bool(_ entry: Entry) -> Located<Bool>? {
    guard let text = string(entry, expected: "true or false") else { return nil }
    switch text.value {
    case "true": return Located(true, at: text.range)
    case "false": return Located(false, at: text.range)
    default:
      diagnostics.error(
        "not-a-boolean", "`\(display(text.value))` is not a boolean here", at: text.range,
        path: entry.path, hint: "write true or false")
      return nil
    }
  }

  /// One of a closed set of words.
  mutating func choice<Choice: RawRepresentable & CaseIterable>(
    _ entry: Entry, _ type: Choice.Type
  ) -> Located<Choice>? where Choice.RawValue == String {
    guard let text = string(entry) else { return nil }
    if let value = Choice(rawValue: text.value) { return Located(value, at: text.range) }
    let allowed = Choice.allCases.map(\.rawValue)
    let guess = closest(to: text.value, among: allowed).map { "did you mean `\($0)`? " } ?? ""
    diagnostics.error(
      "invalid-value", "`\(display(text.value))` is not a valid value here", at: text.range,
      path: entry.path, hint: guess + "one of: \(list(allowed))")
    return nil
  }

  /// A version of component `name` as written, without a leading `v`.
  mutating func version(_ entry: Entry, of name: String) -> Located<String>? {
    guard var text = string(entry, expected: "a version") else { return nil }
    if let first = text.value.first, first == "v" || first == "V",
      text.value.dropFirst().first?.isASCIIDigit == true
    {
      text.value.removeFirst()
      diagnostics.warning(
        "version-prefix", "the leading `\(first)` of a version is dropped", at: text.range,
        path: entry.path, hint: "write `\(display(text.value))`")
    }
    return checked(
      text, SpecGrammar.isVersion, else: "invalid-version", "is not a version",
      hint: "digits and dots with an optional `-suffix`, as in `\(name): "
        + "\(Self.exampleVersions[name] ?? "2.0.0")`; `nodespec catalog \(name)` lists them",
      path: entry.path)
  }

  /// An absolute path without `..` segments.
  mutating func path(_ entry: Entry) -> Located<String>? {
    guard let text = string(entry, expected: "a path") else { return nil }
    if let problem = SpecGrammar.pathProblem(text.value) {
      diagnostics.error(
        "invalid-path", "the path `\(display(text.value))` \(problem)", at: text.range,
        path: entry.path, hint: "write an absolute path such as /etc/ssl/certs/ca.pem")
      return nil
    }
    return text
  }

  /// The rootless account's home: an absolute path that names no system folder, and no `.`
  /// or `..` segment (it must be the account's home as the node's passwd database holds it).
  mutating func home(_ entry: Entry) -> Located<String>? {
    guard let text = string(entry, expected: "a path") else { return nil }
    if let problem = SpecGrammar.homeProblem(text.value) {
      diagnostics.error(
        "invalid-home", "the home directory `\(display(text.value))` \(problem)",
        at: text.range, path: "home",
        hint: "write the account's home as the node's passwd database holds it, e.g. "
          + "/home/builder")
      return nil
    }
    return text
  }

  /// An `http(s)://` URL with a host; with `schemeOptional`, also a bare `host[:port][/path]`.
  mutating func url(_ entry: Entry, schemeOptional: Bool) -> Located<String>? {
    guard let text = string(entry, expected: "a URL") else { return nil }
    if let problem = SpecGrammar.urlProblem(text.value, schemeOptional: schemeOptional) {
      let secret = problem == "holds credentials"
      var error = Diagnostic(
        .error, id: "invalid-url",
        "the URL `\(display(URLCredentials.masked(text.value, bare: true)))` \(problem)",
        at: text.range, path: entry.path,
        hint: secret || problem.hasPrefix("has a query") || problem.hasPrefix("has a fragment")
          ? Self.credentialsHint(at: entry.path) : "write https://host[:port][/path]")
      // The password is shown nowhere, not even in the excerpt that points at it.
      if secret { error.redacted = [text.range] }
      diagnostics.append(error)
      return nil
    }
    return text
  }

  /// Where a URL's credentials can go instead: a registry mirror takes a `header` read on the
  /// node; a download (a component, runtime, image or `downloads` URL) sends none, so its file
  /// must come from where no secret is needed.
  private static func credentialsHint(at path: String) -> String {
    let lands = "a URL lands in world-readable files and the playbook: "
    if path.hasPrefix("registries.") {
      return lands + "send credentials as a mirror `header` whose value comes from "
        + "`{env: VAR}` or `{file: /path}`"
    }
    return lands + "a download sends no header, so serve the file from a mirror that needs "
      + "no secret (`downloads.mirror`, inside the network), or for an image give `file:` on "
      + "the node"
  }

  /// A string that `isValid` accepts; otherwise reports `id` and gives nil.
  mutating func string(
    _ entry: Entry, matching isValid: (String) -> Bool, else id: String, _ problem: String,
    hint: @autoclosure () -> String
  ) -> Located<String>? {
    string(entry).flatMap {
      checked($0, isValid, else: id, problem, hint: hint(), path: entry.path)
    }
  }

  /// `text` when `isValid` accepts it; otherwise reports `id` and gives nil. The hint and
  /// the path are made only for an error: `version`'s hint, built for every valid version,
  /// cost more than the check, and a registry's path was spelt out for every registry.
  mutating func checked(
    _ text: Located<String>, _ isValid: (String) -> Bool, else id: String, _ problem: String,
    hint: @autoclosure () -> String, path: @autoclosure () -> String? = nil
  ) -> Located<String>? {
    if isValid(text.value) { return text }
    diagnostics.error(
      id, "`\(display(text.value))` \(problem)", at: text.range, path: path(), hint: hint())
    return nil
  }

  /// One item or a sequence of them, as a list.
  mutating func oneOrMany<Item>(_ entry: Entry, _ decode: (inout Self, Entry) -> Item?) -> [Item] {
    guard case .sequence(let items) = entry.node.kind else {
      return decode(&self, entry).map { [$0] } ?? []
    }
    return items.enumerated().compactMap { index, item in decode(&self, entry.item(item, index)) }
  }
}

// MARK: - Wording

/// `U+0009`.
func codePoint(_ scalar: Unicode.Scalar) -> String {
  let digits = String(scalar.value, radix: 16, uppercase: true)
  return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// `a, b, c`, each in backticks.
func list(_ words: [String]) -> String {
  words.map { "`\($0)`" }.joinedUTF8(separator: ", ")
}

/// The allowed word nearest to `word` by edit distance, if it is near enough to be a typo.
/// Case and `-`/`_` differences count as nothing: `skip-verify` means `skip_verify`.
public func closest(to word: String, among candidates: [String]) -> String? {
  // Nothing longer than a key is a typo of one, and edit distance is quadratic.
  guard word.utf8.count <= 64 else { return nil }
  /// Bytes, not Characters: comparing grapheme clusters is far slower, and keys are ASCII.
  func normal(_ s: String) -> [UInt8] {
    s.lowercased().utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }
  }
  let target = normal(word)
  let limit = max(1, min(3, target.count / 3))
  var best: (word: String, distance: Int)?
  for candidate in candidates {
    // The distance is at least the difference in length: skip the far ones cheaply.
    guard abs(candidate.utf8.count - target.count) <= limit else { continue }
    let distance = editDistance(target, normal(candidate))
    if distance <= limit, distance < best?.distance ?? Int.max { best = (candidate, distance) }
  }
  return best?.word
}

/// Levenshtein distance, with two rows reused rather than a matrix.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
  guard !a.isEmpty else { return b.count }
  guard !b.isEmpty else { return a.count }
  var previous = Array(0...b.count)
  var current = previous
  for i in a.indices {
    current[0] = i + 1
    for j in b.indices {
      let substitution = previous[j] + (a[i] == b[j] ? 0 : 1)
      current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, substitution)
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}
