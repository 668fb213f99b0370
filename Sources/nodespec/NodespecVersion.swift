import Compiler

/// What `nodespec --version` prints.
enum NodespecVersion {
  /// Semantic versioning; below 1.0 the command line may still change between releases (the
  /// spec format is versioned apart, by `nodespec: 1`).
  static let number = "0.1.0"

  /// `nodespec 0.1.0 (catalog 2026-08-22)`: the catalog's date says how fresh the pinned
  /// versions are.
  static let text = "nodespec \(number) (catalog \(Catalog.date))"
}
