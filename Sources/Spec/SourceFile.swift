/// A spec file as read: its display path and its bytes. Only the command-line target reads the
/// file system; everything else receives a `SourceFile`.
///
/// Lines end at LF, CRLF and CR, as in editors and diffs. libyaml also ends lines at U+0085,
/// U+2028 and U+2029, but the reader refuses a file holding any of them before libyaml reads
/// it (`invisible-character`), so libyaml's marks and these lines always agree.
public struct SourceFile: Sendable, Equatable {
  /// The path shown in diagnostics (`-` shows as `<stdin>`).
  public var path: String
  public var bytes: [UInt8]
  /// Which file of a spec this is (`SourceRange.file`): 0 is the spec named on the command
  /// line; its bases and `--set` values come after it.
  public var id: Int
  /// The `extends` entry that names this file, when it is a base: diagnostics in a base end
  /// with a note there, and there again up the chain.
  public var extendedAt: SourceRange?

  public init(path: String, bytes: [UInt8], id: Int = 0, extendedAt: SourceRange? = nil) {
    self.path = path
    self.bytes = bytes
    self.id = id
    self.extendedAt = extendedAt
  }

  public init(path: String, text: String, id: Int = 0) {
    self.init(path: path, bytes: Array(text.utf8), id: id)
  }

  /// The text of 1-based line `n` without its line end and without a leading byte order mark,
  /// decoded leniently (for snippets).
  public func line(_ n: Int) -> String? {
    let lines = lineRanges()
    return lines.indices.contains(n - 1) ? text(of: lines[n - 1]) : nil
  }

  /// The byte range of every line's text, line `n` at index `n - 1`, without line ends and
  /// without a leading byte order mark. Compute it once to look up many lines.
  public func lineRanges() -> [Range<Int>] {
    var lines: [Range<Int>] = []
    var start = bomLength
    var i = start
    while i < bytes.count {
      let width = lineBreakWidth(at: i)
      if width > 0 {
        lines.append(start..<i)
        i += width
        start = i
      } else {
        i += 1
      }
    }
    lines.append(start..<bytes.count)
    return lines
  }

  /// The bytes in `range`, decoded leniently (invalid UTF-8 becomes U+FFFD).
  public func text(of range: Range<Int>) -> String {
    String(decoding: bytes[range.clamped(to: 0..<bytes.count)], as: UTF8.self)
  }

  /// The 1-based line and column of the byte at `offset`; columns count Unicode scalars, as
  /// libyaml's marks do.
  public func location(ofByte offset: Int) -> SourceLocation {
    var line = 1
    var column = 1
    var i = bomLength
    let end = min(offset, bytes.count)
    while i < end {
      let width = lineBreakWidth(at: i)
      if width > 0 {
        line += 1
        column = 1
        i += width
      } else {
        // Continuation bytes (10xxxxxx) do not start a new scalar.
        if bytes[i] & 0xC0 != 0x80 { column += 1 }
        i += 1
      }
    }
    return SourceLocation(line: line, column: column)
  }

  /// 3 when the file starts with a UTF-8 byte order mark (which libyaml skips), else 0.
  var bomLength: Int { bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0 }

  /// The byte length of the line break starting at `i`, or 0 when there is none.
  func lineBreakWidth(at i: Int) -> Int {
    switch bytes[i] {
    case 0x0A: return 1
    case 0x0D: return i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
    default: return 0
    }
  }
}

/// Size limits that keep hostile input from exhausting memory or time.
public enum SpecLimits {
  /// What the command line reads at most before giving up (the reader's own limit, with a
  /// diagnostic, is lower).
  public static let maxReadBytes = 8 * 1024 * 1024
}
