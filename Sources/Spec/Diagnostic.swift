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

  /// The most diagnostics `inFileOrder()` gives; the rest are summed up in one last
  /// diagnostic. A real spec never comes near it, and a hostile one could otherwise bury the
  /// terminal.
  public static let displayLimit = 100

  /// Every diagnostic sorted by position (file, line, then column; those without a position,
  /// such as "the file is empty", first), ties in the order they were reported: the order a reader
  /// of the file meets them in, whichever stage found them. Past `limit`, one
  /// `too-many-diagnostics` closes the list, as severe as the worst it leaves out.
  public func inFileOrder(limit: Int = displayLimit) -> [Diagnostic] {
    let sorted = all.enumerated().sorted { a, b in
      switch (a.element.range, b.element.range) {
      case (let x?, let y?):
        return x.precedes(y) || (!y.precedes(x) && a.offset < b.offset)
      case (nil, _?): return true
      case (_?, nil): return false
      case (nil, nil): return a.offset < b.offset
      }
    }.map(\.element)
    let dropped = sorted.dropFirst(limit)
    guard let first = dropped.first, let worst = dropped.map(\.severity).max() else {
      return sorted
    }
    return Array(sorted.prefix(limit)) + [
      Diagnostic(
        worst, id: "too-many-diagnostics", "\(dropped.count) more problems are not shown",
        at: first.range, hint: "fix the ones above first; is this the right file?")
    ]
  }
  public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
  public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
}
