import Compiler
import Spec

/// Renders a Plan as one bash script that brings the node to the planned state, following
/// `docs/plan-contract.md`: helpers first (only those the plan needs), then one commented
/// step per resource in Plan order.
///
/// Every Plan string reaches the script as a single-quoted word or as the body of a quoted
/// heredoc whose delimiter is absent from it; no value is ever parsed as code.
public struct ShellBackend: Backend {
  public static let target = Target.shell

  /// Where file steps take the files' bytes from.
  public enum FileSource: Sendable, Equatable {
    /// From the script itself: quoted heredocs and single-quoted strings.
    case inline
    /// From copies staged on the node beforehand (by cloud-init's `write_files`), at
    /// `stagedPath(of:under: root)`. Only files without `.secretFile` parts, of 4 KB or more,
    /// are staged (see `stages(_:)`); the others are assembled on the node as in `.inline`. Compare, rename
    /// and restart behave exactly as with `.inline`: the staged copy only replaces the
    /// heredoc.
    case staged(root: String)
  }

  public var fileSource: FileSource

  public init(fileSource: FileSource = .inline) {
    self.fileSource = fileSource
  }

  /// Whether a file's content is staged under `.staged`: when it is fully known at compile
  /// time (no part is read on the node) and at least `stagingThreshold` bytes. A smaller file
  /// costs more as a `write_files` entry (path, owner, permissions: about 150 bytes of YAML)
  /// than as a heredoc in the apply script, where it is compressed with everything else.
  public static func stages(_ file: File) -> Bool {
    (file.content.literalText?.utf8.count ?? 0) >= stagingThreshold
  }

  /// The size from which a file is staged (measured on the examples: below it, a file costs
  /// fewer bytes of user-data inside the compressed apply script than as an entry).
  public static let stagingThreshold = 4096

  /// Where the staged copy of the file at absolute `path` lives: `root` followed by `path`,
  /// e.g. `/var/lib/nodespec/cloud-init/staged/etc/containerd/config.toml`.
  public static func stagedPath(of path: String, under root: String) -> String {
    var base = root
    while base.hasSuffix("/") { base.removeLast() }
    return base + (path.hasPrefix("/") ? path : "/" + path)
  }

  public func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String? {
    script(plan, diagnostics: &diagnostics)?.text
  }

  /// The script's bytes as they were written: no `String` in between.
  public func output(_ plan: Plan, diagnostics: inout Diagnostics) -> ByteWriter? {
    script(plan, diagnostics: &diagnostics)
  }

  /// The checked plan's script, or nil when the check reported errors.
  func script(_ plan: Plan, diagnostics: inout Diagnostics) -> ByteWriter? {
    let before = diagnostics.errors.count
    PlanCheck.check(plan, diagnostics: &diagnostics)
    guard diagnostics.errors.count == before else { return nil }
    return ScriptWriter(plan: plan, fileSource: fileSource).script()
  }
}
