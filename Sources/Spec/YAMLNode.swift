/// One node of a parsed YAML document, with the source range it was read from.
///
/// Aliases are already expanded: an alias node is a copy of its anchored node whose outer
/// `range` is the alias itself (`*name`), while the nodes inside keep the anchor's ranges.
public struct YAMLNode: Sendable, Equatable {
  /// How a scalar was written. The schema types scalars, so style matters only for telling
  /// "nothing" (an empty plain scalar) from an empty string (`""`).
  public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  /// A scalar's text and how it was written; its type is for the schema to decide.
  public struct Scalar: Sendable, Equatable {
    /// The value after YAML unescaping and folding, exactly as libyaml delivers it.
    public var text: String
    public var style: ScalarStyle

    /// A scalar as written (`style`) with its unescaped text.
    public init(_ text: String, style: ScalarStyle = .plain) {
      self.text = text
      self.style = style
    }
  }

  /// One `key: value` entry; keys are always scalars (the reader refuses others).
  public struct Pair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    /// A `key: value` entry of a mapping.
    public init(key: YAMLNode, value: YAMLNode) {
      self.key = key
      self.value = value
    }
  }

  /// What a node is: the three kinds of YAML's representation graph.
  public indirect enum Kind: Sendable, Equatable {
    case scalar(Scalar)
    case sequence([YAMLNode])
    /// In document order.
    case mapping([Pair])
  }

  /// The node's content.
  public var kind: Kind
  /// The tag as written and resolved (`!!str` is `tag:yaml.org,2002:str`, `!` stays `!`), or
  /// nil when none was written. The reader keeps every tag; which ones are allowed is the
  /// schema's business (the spec decoder refuses application tags, a test reading back a
  /// generated playbook wants `!unsafe`).
  public var tag: String?
  /// From the first character of the node (its anchor or tag if any) to just after its end.
  public var range: SourceRange

  /// A node read from (or, in tests, standing for) the text at `range`.
  public init(_ kind: Kind, tag: String? = nil, at range: SourceRange) {
    self.kind = kind
    self.tag = tag
    self.range = range
  }

  /// The scalar, when this node is one.
  public var scalar: Scalar? {
    if case .scalar(let scalar) = kind { scalar } else { nil }
  }

  /// The null of YAML's core schema: an empty plain scalar, `~` or `null` (untagged).
  public var isNull: Bool {
    // The length first: no null is longer than four bytes, and most scalars are.
    guard case .scalar(let scalar) = kind, scalar.text.utf8.count <= 4, scalar.style == .plain,
      tag == nil || tag == nullTag
    else {
      return false
    }
    // A switch, not `[…].contains`: the array literal was allocated at every call.
    switch scalar.text {
    case "", "~", "null", "Null", "NULL": return true
    default: return false
    }
  }

  /// "a mapping", "a sequence", "a scalar", "null", "nothing": for type-mismatch messages.
  public var kindDescription: String {
    switch kind {
    case .mapping: "a mapping"
    case .sequence: "a sequence"
    case .scalar(let scalar): isNull ? (scalar.text.isEmpty ? "nothing" : "null") : "a scalar"
    }
  }
}

private let nullTag = "tag:yaml.org,2002:null"
