import Compiler
import Spec

public struct CloudInitBackend: Backend {
  public static let target = Target.cloudInit

  public init() {}

  public func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String? {
    // TODO(spine): render.
    diagnostics.error("not-implemented", "the cloudInit backend is not written yet", at: nil)
    return nil
  }
}
