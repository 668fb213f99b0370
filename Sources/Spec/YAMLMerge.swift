/// Lays one YAML document over another, the rule of `extends` and `--set` (docs/spec.md):
/// mappings merge key by key, scalars and sequences replace, and a null removes the key.
///
/// Merging works on nodes, before decoding, and keeps every node as it was read: a value set
/// in a base keeps its base's range (`SourceRange.file`), so a diagnostic about it points at
/// the base's line.
public enum YAMLMerge {
  /// `overlay` laid over `base`.
  ///
  /// - Two mappings merge: a key of `overlay` replaces (or, for two mappings, merges into) the
  ///   same key of `base` where `base` has it, keeping `base`'s order, and is appended after
  ///   `base`'s keys otherwise. A null value in `overlay` removes the key, and is left out
  ///   where `base` has no such key (so `kubernetes: {}` asks for defaults, not `kubernetes:`).
  ///   The merged mapping has `overlay`'s range and tag.
  /// - Anything else is `overlay`.
  public static func merge(_ base: YAMLNode, _ overlay: YAMLNode) -> YAMLNode {
    guard case .mapping(let basePairs) = base.kind, case .mapping(let overPairs) = overlay.kind
    else {
      return overlay
    }
    var pairs = basePairs
    for pair in overPairs {
      let name = pair.key.scalar?.text
      let index = pairs.firstIndex { $0.key.scalar?.text == name }
      switch (index, pair.value.isNull) {
      case (let index?, true): pairs.remove(at: index)
      case (let index?, false):
        pairs[index] = .init(key: pair.key, value: merge(pairs[index].value, pair.value))
      case (nil, true): break
      case (nil, false): pairs.append(pair)
      }
    }
    return YAMLNode(.mapping(pairs), tag: overlay.tag, at: overlay.range)
  }
}
