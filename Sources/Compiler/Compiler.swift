import Spec

/// Turns a validated `NodeSpec` into a `Plan`, one module per concern.
public enum Compiler {
  /// - Parameter environment: the compiling machine's environment, for header values the spec
  ///   takes from it (the command-line target passes it in; nothing else reads it).
  /// - Returns: nil when there are errors; every problem goes to `diagnostics`.
  public static func compile(
    _ spec: NodeSpec, environment: [String: String] = [:], diagnostics: inout Diagnostics
  ) -> Plan? {
    // TODO(spine): modules.
    diagnostics.error("not-implemented", "the compiler is not written yet", at: nil)
    return nil
  }
}
