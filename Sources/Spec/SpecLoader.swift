/// Reads a spec file into a `NodeSpec`: libyaml → node tree → typed, validated spec.
public enum SpecLoader {
  /// The most diagnostics one load reports; the rest are summed up in one last diagnostic. A
  /// real spec never comes near it, and a hostile one could otherwise bury the terminal.
  public static let maxDiagnostics = 100

  /// Returns nil when the file has errors; every problem found goes to `diagnostics`, sorted by
  /// position (the decoder visits keys in schema order, the reader in file order).
  public static func load(
    _ file: SourceFile, limits: YAMLReader.Limits = YAMLReader.Limits(),
    diagnostics: inout Diagnostics
  ) -> NodeSpec? {
    var found = Diagnostics()
    // A duplicate key or a second document still leaves a tree worth decoding.
    let spec = YAMLReader.read(file, limits: limits, diagnostics: &found).flatMap {
      SpecDecoder.decode($0, diagnostics: &found)
    }
    let sorted = found.all.enumerated().sorted { a, b in
      let (x, y) = (a.element.range?.start, b.element.range?.start)
      // Diagnostics without a position (too large, empty) come first; ties keep their order.
      switch (x, y) {
      case (let x?, let y?): return x != y ? x < y : a.offset < b.offset
      case (nil, _?): return true
      case (_?, nil): return false
      case (nil, nil): return a.offset < b.offset
      }
    }
    for entry in sorted.prefix(maxDiagnostics) { diagnostics.append(entry.element) }
    let dropped = sorted.dropFirst(maxDiagnostics).map(\.element)
    if let first = dropped.first, let worst = dropped.map(\.severity).max() {
      diagnostics.append(
        Diagnostic(
          worst, id: "too-many-diagnostics",
          "\(dropped.count) more problems are not shown", at: first.range,
          hint: "fix the ones above first; is this the right file?"))
    }
    return found.hasErrors ? nil : spec
  }
}
