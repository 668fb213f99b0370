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
///
/// A spec may be read from several files (its `extends` bases, `--set` values): `file` is the
/// `SourceFile.id` of the one the range is in, 0 for the spec named on the command line, so a
/// value set in a base points at the base's line.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
  public var start: SourceLocation
  public var end: SourceLocation
  /// The `SourceFile.id` of the file the range is in.
  public var file: Int

  public init(start: SourceLocation, end: SourceLocation, file: Int = 0) {
    self.start = start
    self.end = end
    self.file = file
  }

  /// An empty range at one location.
  public init(at location: SourceLocation, file: Int = 0) {
    self.init(start: location, end: location, file: file)
  }

  /// The empty range at this range's start, in the same file.
  public var startOnly: SourceRange { SourceRange(at: start, file: file) }

  /// Whether `location` of file `file` lies in the range.
  public func contains(_ location: SourceLocation, file: Int) -> Bool {
    file == self.file && start <= location && location < end
  }

  /// Ordered by file, then position: the order a reader meets them in.
  public func precedes(_ other: SourceRange) -> Bool {
    file != other.file ? file < other.file : start < other.start
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
