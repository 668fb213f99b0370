import Compiler
import Spec

/// A rendering of a Plan for one engine. Output is a pure function of the Plan: same Plan,
/// same bytes.
public protocol Backend: Sendable {
  /// The `--target` value, e.g. `shell`.
  static var target: Target { get }
  /// Renders the plan. Problems a target cannot express go to `diagnostics` at the
  /// resource's spec range; the result is nil when there are errors.
  func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String?
  /// The bytes to write, in the writer that made them (written out from there, not copied):
  /// the rendering as UTF-8, unless the target delivers something else (cloud-init's
  /// gzip-compressed user-data). Nil when there are errors.
  func output(_ plan: Plan, diagnostics: inout Diagnostics) -> ByteWriter?
}

/// Every target, driving the command line's `--target` values.
public enum Target: String, Sendable, CaseIterable {
  case shell
  case cloudInit = "cloud-init"
  case ansible

  public var backend: any Backend {
    switch self {
    case .shell: ShellBackend()
    case .cloudInit: CloudInitBackend()
    case .ansible: AnsibleBackend()
    }
  }
}
