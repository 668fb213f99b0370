/// A spec file as read: its display path and its bytes. Only the command-line target reads the
/// file system; everything else receives a `SourceFile`.
public struct SourceFile: Sendable, Equatable {
  /// The path shown in diagnostics (`-` shows as `<stdin>`).
  public var path: String
  public var bytes: [UInt8]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }

  public init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// The text of 1-based line `n` without its line end, decoded leniently (for snippets).
  public func line(_ n: Int) -> String? {
    guard n >= 1 else { return nil }
    var current = 1
    var start = 0
    var i = 0
    while i < bytes.count {
      if current == n { break }
      if bytes[i] == UInt8(ascii: "\n") {
        current += 1
        start = i + 1
      }
      i += 1
    }
    guard current == n, start <= bytes.count else { return nil }
    var end = start
    while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }
}

/// Size limits that keep hostile input from exhausting memory or time.
public enum SpecLimits {
  /// What the command line reads at most before giving up (the reader's own limit, with a
  /// diagnostic, is lower).
  public static let maxReadBytes = 8 * 1024 * 1024
}
