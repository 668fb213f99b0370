/// One problem found in a spec (or in what the spec asks for), as a value.
///
/// The `id` is stable and what tests assert; the wording of `message` and `hint` may change.
public struct Diagnostic: Sendable, Equatable {
  public enum Severity: String, Sendable, Equatable, Comparable {
    case note, warning, error

    private var rank: Int {
      switch self {
      case .note: 0
      case .warning: 1
      case .error: 2
      }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }

  /// A secondary location that explains the main one (e.g. "first defined here").
  public struct Note: Sendable, Equatable {
    public var message: String
    public var range: SourceRange?

    public init(_ message: String, at range: SourceRange? = nil) {
      self.message = message
      self.range = range
    }
  }

  public var severity: Severity
  /// Stable identifier, kebab-case, e.g. `unknown-key`, `duplicate-key`, `unknown-version`.
  public var id: String
  public var message: String
  public var range: SourceRange?
  /// The logical path of the value in the spec, e.g. `components.containerd.version`.
  public var path: String?
  public var notes: [Note]
  /// A suggestion for fixing it, e.g. "did you mean `components`?".
  public var hint: String?
  /// Source text that must never be printed (a credential written into the spec): every
  /// snippet of the run shows these ranges as `*`.
  public var redacted: [SourceRange] = []

  public init(
    _ severity: Severity, id: String, _ message: String, at range: SourceRange?,
    path: String? = nil, notes: [Note] = [], hint: String? = nil
  ) {
    self.severity = severity
    self.id = id
    self.message = message
    self.range = range
    self.path = path
    self.notes = notes
    self.hint = hint
  }
}

/// The diagnostics sink every stage writes to. Stages go on after an error so that one run
/// reports every problem in a file.
public struct Diagnostics: Sendable, Equatable {
  public private(set) var all: [Diagnostic] = []

  public init() {}

  public mutating func append(_ diagnostic: Diagnostic) { all.append(diagnostic) }

  public mutating func error(
    _ id: String, _ message: String, at range: SourceRange?, path: String? = nil,
    notes: [Diagnostic.Note] = [], hint: String? = nil
  ) {
    append(Diagnostic(.error, id: id, message, at: range, path: path, notes: notes, hint: hint))
  }

  public mutating func warning(
    _ id: String, _ message: String, at range: SourceRange?, path: String? = nil,
    notes: [Diagnostic.Note] = [], hint: String? = nil
  ) {
    append(Diagnostic(.warning, id: id, message, at: range, path: path, notes: notes, hint: hint))
  }

  public var hasErrors: Bool { all.contains { $0.severity == .error } }
  public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
  public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
}
