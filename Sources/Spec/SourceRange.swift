/// A position in a source file: 1-based line and column (columns count Unicode scalars, as
/// libyaml does), plus the 0-based byte offset of the line start for snippet rendering.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }

  public var description: String { "\(line):\(column)" }
}

/// A half-open range `[start, end)` in a source file. Every YAML node and every spec value
/// keeps one, so that any later stage can point back at the spec line it came from.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
  public var start: SourceLocation
  public var end: SourceLocation

  public init(start: SourceLocation, end: SourceLocation) {
    self.start = start
    self.end = end
  }

  /// An empty range at one location.
  public init(at location: SourceLocation) {
    self.init(start: location, end: location)
  }

  public var description: String { "\(start)-\(end)" }
}

/// A value together with the spec range it was read from.
public struct Located<Value: Sendable>: Sendable {
  public var value: Value
  public var range: SourceRange

  public init(_ value: Value, at range: SourceRange) {
    self.value = value
    self.range = range
  }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
