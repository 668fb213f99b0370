#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Substring search on UTF-8 bytes, for the compiler's and the reader's few searches.
///
/// The standard library's `String.contains(_:)`, `firstRange(of:)` and `replacing(_:with:)`
/// for a string argument live in `_StringProcessing`: using any of them links its 445
/// protocol-conformance records into the binary, and every dynamic cast the runtime checks
/// walks all records (docs/performance.md), besides comparing Characters. A needle of valid
/// UTF-8 found in valid UTF-8 starts and ends on scalar boundaries, so the byte range found
/// is a valid range of the string.
extension StringProtocol {
  /// The first range where `needle` occurs, compared byte for byte; nil when absent or empty.
  @inlinable
  public func firstUTF8Range(of needle: String) -> Range<Index>? {
    let target = needle.utf8
    guard let first = target.first else { return nil }
    let bytes = utf8
    var start = bytes.startIndex
    while let found = bytes[start...].firstIndex(of: first) {
      var end = found
      var rest = target.startIndex
      while rest != target.endIndex, end != bytes.endIndex, bytes[end] == target[rest] {
        target.formIndex(after: &rest)
        bytes.formIndex(after: &end)
      }
      if rest == target.endIndex { return found..<end }
      start = bytes.index(after: found)
    }
    return nil
  }

  /// Whether `needle` occurs, compared byte for byte.
  @inlinable
  public func containsUTF8(_ needle: String) -> Bool { firstUTF8Range(of: needle) != nil }
}

extension String {
  /// The string with every occurrence of `needle` (non-overlapping, from the start) replaced
  /// by `replacement`, compared byte for byte.
  public func replacingUTF8(_ needle: String, with replacement: String) -> String {
    var result = ""
    var rest = self[...]
    while let found = rest.firstUTF8Range(of: needle) {
      result += rest[..<found.lowerBound]
      result += replacement
      rest = rest[found.upperBound...]
    }
    result += rest
    return result
  }
}

extension Array where Element == String {
  /// The elements with `separator` between them, as `joined(separator:)` gives them. The
  /// standard library's `joined` is generic code the optimiser leaves unspecialised in our
  /// modules, and its first call in a process makes the runtime look up associated type
  /// witnesses, which walks every protocol-conformance record: about 0.2 M instructions, as
  /// much as rendering a dozen registries (docs/performance.md). This one is plain appends.
  @inlinable
  public func joinedUTF8(separator: String = "") -> String {
    var size = separator.utf8.count * Swift.max(count - 1, 0)
    for element in self { size += element.utf8.count }
    var out = ""
    out.reserveCapacity(size)
    for index in indices {
      if index > startIndex { out += separator }
      out += self[index]
    }
    return out
  }
}

extension String {
  /// Calls `body` with the string's UTF-8 bytes: in place for a native string, without the
  /// copy (a retain and a release) that `withUTF8` needs to be called at all, being mutating;
  /// through it for a string bridged from elsewhere, which it first makes contiguous.
  @inlinable
  public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result)
    rethrows -> Result
  {
    if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
    var text = self
    return try text.withUTF8(body)
  }
}

extension UnsafeBufferPointer where Element == UInt8 {
  /// Where the first `byte` at or after `start` is, if any: `memchr`, which reads a word at a
  /// time (a file's lines, a template's braces, a NUL), where a loop over the bytes costs some
  /// five instructions a byte.
  public func firstIndex(of byte: UInt8, from start: Int) -> Int? {
    guard start < count, let base = baseAddress,
      let found = memchr(base + start, Int32(byte), count - start)
    else { return nil }
    return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
  }
}
