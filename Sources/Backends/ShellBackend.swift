import Compiler
import Spec

public struct ShellBackend: Backend {
  public static let target = Target.shell

  public init() {}

  public func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String? {
    // TODO(spine): render.
    diagnostics.error("not-implemented", "the shell backend is not written yet", at: nil)
    return nil
  }
}
