import Compiler
import Spec

public struct AnsibleBackend: Backend {
  public static let target = Target.ansible

  public init() {}

  public func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String? {
    // TODO(spine): render.
    diagnostics.error("not-implemented", "the ansible backend is not written yet", at: nil)
    return nil
  }
}
