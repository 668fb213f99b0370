/// Reads a spec file into a `NodeSpec`: libyaml → node tree → typed, validated spec.
public enum SpecLoader {
  /// Returns nil when the file has errors; every problem found goes to `diagnostics`.
  public static func load(_ file: SourceFile, diagnostics: inout Diagnostics) -> NodeSpec? {
    // TODO(spine): reader and decoder.
    diagnostics.error("not-implemented", "the reader is not written yet", at: nil)
    return nil
  }
}
