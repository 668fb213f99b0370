/// How the loader reads the bases a spec extends. The command line gives it (only it touches
/// the file system); without one, a spec that extends another gets an error.
public struct SpecFileSystem: Sendable {
  /// A file's bytes and its identity (device and inode, say), or why it cannot be read.
  public enum Read: Sendable {
    case file(bytes: [UInt8], identity: String)
    case failure(String)
  }

  /// Reads the file at a path (relative to the working directory, or absolute).
  public var read: @Sendable (String) -> Read
  /// The identity `read` would give the file at a path, without reading it; nil when there is
  /// none (standard input). The spec's own identity, so that a base extending it is a cycle.
  public var identity: @Sendable (String) -> String?

  public init(
    read: @escaping @Sendable (String) -> Read,
    identity: @escaping @Sendable (String) -> String?
  ) {
    self.read = read
    self.identity = identity
  }
}

/// A spec as read from all its files: the merged document and every file it came from.
public struct SpecSources: Sendable {
  /// The spec's bases, in `extends` order, then the spec, then each `--set`, laid over each
  /// other (`YAMLMerge`); nil when the spec itself could not be read as YAML.
  public var root: YAMLNode?
  /// Every file read, indexed by `SourceFile.id`: the spec (0), its bases in the order they
  /// were met, then one per `--set`. What the diagnostic renderer needs.
  public var files: [SourceFile]

  public init(root: YAMLNode?, files: [SourceFile]) {
    self.root = root
    self.files = files
  }
}

extension SpecLoader {
  /// The deepest chain of `extends`: the spec's bases are level 1, theirs level 2. A fleet
  /// needs two or three; more is likely a mistake, and bounds the work of a hostile tree.
  public static let maxExtendsDepth = 8
  /// The most files one spec may be read from, bases and `--set`s included.
  public static let maxFiles = 64

  /// Reads `file`, follows its `extends` through `fileSystem`, and lays the `--set`
  /// `overrides` (each `PATH=VALUE`) over the result. Every file goes through the same reader
  /// and its trust rules; every problem goes to `diagnostics`, in no particular order.
  public static func sources(
    _ file: SourceFile, overrides: [String] = [], fileSystem: SpecFileSystem? = nil,
    limits: YAMLReader.Limits = YAMLReader.Limits(), diagnostics: inout Diagnostics
  ) -> SpecSources {
    var resolver = ExtendsResolver(files: [file], fileSystem: fileSystem, limits: limits)
    var root = YAMLReader.read(file, limits: limits, diagnostics: &resolver.diagnostics)
    if let read = root, case .mapping(let pairs) = read.kind,
      pairs.contains(where: { $0.key.scalar?.text == "extends" })
    {
      let folder = file.path == "<stdin>" ? nil : file.path
      // Looked up only for a spec that extends: most do not, and each costs a system call.
      let identity = folder.flatMap { fileSystem?.identity($0) }
      root = resolver.resolve(
        read, in: file, openedAt: folder, chain: identity.map { [$0] } ?? [], depth: 0)
    }
    for argument in overrides {
      let override = SpecOverride(argument, id: resolver.files.count)
      resolver.files.append(override.file)
      guard
        let overlay = override.overlay(limits: limits, diagnostics: &resolver.diagnostics)
      else { continue }
      root = root.map { YAMLMerge.merge($0, overlay) }
    }
    for diagnostic in resolver.diagnostics.all { diagnostics.append(diagnostic) }
    return SpecSources(root: root, files: resolver.files)
  }
}

/// Follows `extends`, depth first, in order: each base is resolved (its own bases under it)
/// before it is laid under the file that names it.
private struct ExtendsResolver {
  var files: [SourceFile]
  let fileSystem: SpecFileSystem?
  let limits: YAMLReader.Limits
  var diagnostics = Diagnostics()
  /// Each base read so far, resolved, by identity: a base two files extend is read once.
  var resolved: [String: YAMLNode?] = [:]

  init(files: [SourceFile], fileSystem: SpecFileSystem?, limits: YAMLReader.Limits) {
    self.files = files
    self.fileSystem = fileSystem
    self.limits = limits
  }

  /// `root` (of `file`, opened at `openedAt`, nil for standard input) with its bases under it
  /// and its `extends` key taken out. `chain` holds the identities of the files from the
  /// spec down to `file`.
  mutating func resolve(
    _ root: YAMLNode, in file: SourceFile, openedAt: String?, chain: [String], depth: Int
  ) -> YAMLNode {
    guard case .mapping(var pairs) = root.kind,
      let index = pairs.firstIndex(where: { $0.key.scalar?.text == "extends" })
    else {
      return root
    }
    let entry = pairs.remove(at: index)
    let own = YAMLNode(.mapping(pairs), tag: root.tag, at: root.range)
    var merged: YAMLNode?
    for item in items(entry.value) {
      guard
        let base = self.base(item, from: file, openedAt: openedAt, chain: chain, depth: depth)
      else { continue }
      merged = merged.map { YAMLMerge.merge($0, base) } ?? base
    }
    // The spec must say its format itself, not only through a base (without any, the
    // decoder says so).
    let names = { (node: YAMLNode?) in
      if case .mapping(let pairs) = node?.kind {
        pairs.contains { $0.key.scalar?.text == "nodespec" }
      } else {
        false
      }
    }
    if file.id == 0, !names(own), names(merged) {
      diagnostics.error(
        "missing-key", "the spec has no `nodespec` key", at: root.range.startOnly,
        hint: "every file, base or not, starts with `nodespec: 1`")
    }
    return merged.map { YAMLMerge.merge($0, own) } ?? own
  }

  /// The paths `extends` names, each a non-empty string scalar; the others are reported.
  private mutating func items(_ value: YAMLNode) -> [YAMLNode] {
    let items: [YAMLNode]
    switch value.kind {
    case .scalar: items = value.isNull ? [] : [value]
    case .sequence(let list): items = list
    case .mapping:
      diagnostics.error(
        "type-mismatch", "expected a path or a sequence of paths, found a mapping",
        at: value.range, path: "extends", hint: "e.g. extends: [../base.yaml, ../sites/eu.yaml]")
      return []
    }
    return items.filter { item in
      guard let text = item.scalar?.text, !item.isNull else {
        diagnostics.error(
          "type-mismatch", "expected a path, found \(item.kindDescription)", at: item.range,
          path: "extends")
        return false
      }
      guard let problem = Self.pathProblem(text) else { return true }
      diagnostics.error(
        "invalid-extends", "the path `\(display(text))` \(problem)", at: item.range,
        path: "extends",
        hint: "name a .yaml file relative to this one, e.g. ../base.yaml")
      return false
    }
  }

  /// Why `text` cannot name a base, or nil. Relative, so that a spec reads the same files on
  /// every machine that compiles it; a `.yaml`/`.yml` name, so that `extends` cannot make the
  /// compiler read (and quote, in a diagnostic) a file that is no spec, such as
  /// `../../../etc/shadow`.
  static func pathProblem(_ text: String) -> String? {
    if text.isEmpty { return "is empty" }
    if text.unicodeScalars.contains(where: \.isForbiddenInSpecValue) {
      return "holds a control character"
    }
    if text.hasPrefix("/") { return "is absolute; `extends` paths are relative to the file" }
    if text.hasPrefix("~") { return "starts with `~`; `extends` paths are relative to the file" }
    if !(text.hasSuffix(".yaml") || text.hasSuffix(".yml")) || text.hasSuffix("/.yaml")
      || text.hasSuffix("/.yml")
    {
      return "does not name a .yaml or .yml file"
    }
    return nil
  }

  /// The base `item` names, resolved; nil (reported) when it cannot be read or used.
  private mutating func base(
    _ item: YAMLNode, from file: SourceFile, openedAt: String?, chain: [String], depth: Int
  ) -> YAMLNode? {
    let text = item.scalar?.text ?? ""
    guard depth < SpecLoader.maxExtendsDepth else {
      diagnostics.error(
        "extends-too-deep",
        "`\(display(text))` would be level \(depth + 1) of `extends`; the limit is "
          + "\(SpecLoader.maxExtendsDepth)",
        at: item.range, path: "extends",
        hint: "fold some bases into one; a fleet needs a base and a site or two")
      return nil
    }
    guard let openedAt, let fileSystem else {
      diagnostics.error(
        "invalid-extends",
        openedAt == nil
          ? "a spec read from standard input cannot extend files (it has no folder)"
          : "files cannot be read here", at: item.range, path: "extends",
        hint: "name the spec by its path instead of `-`")
      return nil
    }
    let path = Self.join(folder(of: openedAt), text)
    let identity: String
    let bytes: [UInt8]
    switch fileSystem.read(path) {
    case .failure(let reason):
      diagnostics.error(
        "extends-unreadable", "cannot read `\(display(text))`: \(reason)", at: item.range,
        path: "extends", hint: "the path is relative to the folder of the file that names it")
      return nil
    case .file(let read, let id):
      (bytes, identity) = (read, id)
    }
    if chain.contains(identity) {
      diagnostics.error(
        "extends-cycle", "`\(display(text))` extends, through its bases, the file naming it",
        at: item.range, path: "extends",
        hint: "a base cannot extend the specs built on it; remove one of the `extends` entries")
      return nil
    }
    if let known = resolved[identity] { return known }
    guard files.count < SpecLoader.maxFiles else {
      diagnostics.error(
        "extends-too-many", "a spec may be read from at most \(SpecLoader.maxFiles) files",
        at: item.range, path: "extends", hint: "fold some bases into one")
      return nil
    }
    let base = SourceFile(
      path: Self.normalized(Self.join(folder(of: file.path), text)), bytes: bytes,
      id: files.count, extendedAt: item.range)
    files.append(base)
    var tree = YAMLReader.read(base, limits: limits, diagnostics: &diagnostics)
    if let root = tree, !checkFormat(root, of: base) { tree = nil }
    let result = tree.map {
      resolve($0, in: base, openedAt: path, chain: chain + [identity], depth: depth + 1)
    }
    resolved[identity] = result
    return result
  }

  /// A base is a mapping that starts `nodespec: 1`, like any spec; reports and gives false
  /// otherwise.
  private mutating func checkFormat(_ root: YAMLNode, of base: SourceFile) -> Bool {
    guard case .mapping(let pairs) = root.kind else {
      diagnostics.error(
        "type-mismatch", "expected a mapping, found \(root.kindDescription)", at: root.range,
        hint: "a base is a spec: `nodespec: 1` and the keys it sets")
      return false
    }
    guard let format = pairs.first(where: { $0.key.scalar?.text == "nodespec" })?.value else {
      diagnostics.error(
        "missing-key", "the base has no `nodespec` key", at: root.range.startOnly,
        hint: "every file, base or not, starts with `nodespec: 1`")
      return false
    }
    guard format.scalar?.text == "1", !format.isNull else {
      diagnostics.error(
        "invalid-value", "unsupported format version `\(display(format.scalar?.text ?? ""))`",
        at: format.range, path: "nodespec", hint: "the only format version is 1")
      return false
    }
    return true
  }

  private func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[...slash])
  }

  /// `relative` in `folder` (which is empty or ends with `/`).
  static func join(_ folder: String, _ relative: String) -> String { folder + relative }

  static func normalized(_ path: String) -> String { normalizedPath(path) }
}

/// `a/b/../c` as `a/c`, `./a` as `a`, for display: the file system resolves the real path
/// (symlinks and all) when the file is opened.
func normalizedPath(_ path: String) -> String {
  let absolute = path.hasPrefix("/")
  var parts: [Substring] = []
  for part in path.split(separator: "/") {
    switch part {
    case ".": continue
    case "..":
      if let last = parts.last, last != ".." {
        parts.removeLast()
      } else if !absolute {
        parts.append(part)
      }
    default: parts.append(part)
    }
  }
  let joined = parts.map(String.init).joinedUTF8(separator: "/")
  return absolute ? "/" + joined : joined.isEmpty ? "." : joined
}
