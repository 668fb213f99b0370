/// Reads a spec into a `NodeSpec`: libyaml → node tree (bases and `--set`s merged, see
/// `sources`) → typed, validated spec.
public enum SpecLoader {
  /// Returns nil when the file has errors; every problem found goes to `diagnostics`, in file
  /// order (the decoder visits keys in schema order, the reader in file order).
  public static func load(
    _ file: SourceFile, limits: YAMLReader.Limits = YAMLReader.Limits(),
    diagnostics: inout Diagnostics
  ) -> NodeSpec? {
    var found = Diagnostics()
    let spec = decode(file, limits: limits, diagnostics: &found)
    for diagnostic in found.inFileOrder() { diagnostics.append(diagnostic) }
    return found.hasErrors ? nil : spec
  }

  /// Whatever of the spec decoded, even when the file has errors, so that the compiler's
  /// checks can run on the rest and one run reports every problem. Values with errors are
  /// left out and named in `NodeSpec.undecoded`. Nil only when nothing could be decoded (not
  /// YAML, not a mapping, an unsupported format version). Without a file system, an
  /// `extends` is an error.
  public static func decode(
    _ file: SourceFile, limits: YAMLReader.Limits = YAMLReader.Limits(),
    diagnostics: inout Diagnostics
  ) -> NodeSpec? {
    decode(sources(file, limits: limits, diagnostics: &diagnostics), diagnostics: &diagnostics)
  }

  /// The spec that `sources` (from `sources(_:overrides:fileSystem:limits:diagnostics:)`)
  /// hold, decoded as `decode(_:limits:diagnostics:)` does.
  public static func decode(_ sources: SpecSources, diagnostics: inout Diagnostics) -> NodeSpec? {
    // A duplicate key or a second document still leaves a tree worth decoding.
    sources.root.flatMap { SpecDecoder.decode($0, diagnostics: &diagnostics) }
  }
}
