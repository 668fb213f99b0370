/// A release version such as `2.0.0` or `2.4.0-beta.0`, compared as semantic versions:
/// numerically per component (`1.10` is after `1.9`), a pre-release before its release.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The numeric components, e.g. `[2, 0, 0]`; at least two.
  public var numbers: [Int]
  /// Dot-separated pre-release identifiers after `-`, empty for a release.
  public var prerelease: [String]

  /// Parses `MAJOR.MINOR[.PATCH][-PRERELEASE]`; nil for anything else (a leading `v` too).
  ///
  /// Read on the UTF-8 bytes (every delimiter and digit is ASCII): by Characters, a compile's
  /// dozen versions cost 0.12 M instructions. One pass, no `split`: the arrays of parts it
  /// made cost more than reading the digits.
  public init?(_ text: String) {
    let bytes = text.utf8
    var index = bytes.startIndex
    var numbers: [Int] = []
    numbers.reserveCapacity(3)
    // Each number as `Int(_:)` reads one: an optional `+`, then decimal digits; nil on
    // overflow. Numbers end at `.`, or at the first `-` (the pre-release), or at the end.
    while true {
      guard numbers.count < 3 else { return nil }
      if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") {
        bytes.formIndex(after: &index)
      }
      var value = 0
      var digits = 0
      while index < bytes.endIndex, Self.isDigit(bytes[index]) {
        let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(
          Int(bytes[index] - UInt8(ascii: "0")))
        guard !overflow, !overflow2 else { return nil }
        value = sum
        digits += 1
        bytes.formIndex(after: &index)
      }
      guard digits > 0 else { return nil }
      numbers.append(value)
      if index == bytes.endIndex || bytes[index] == UInt8(ascii: "-") { break }
      guard bytes[index] == UInt8(ascii: ".") else { return nil }
      bytes.formIndex(after: &index)
    }
    guard numbers.count >= 2 else { return nil }
    var prerelease: [String] = []
    if index < bytes.endIndex {
      // Dot-separated identifiers after the `-`, each non-empty and alphanumeric.
      bytes.formIndex(after: &index)
      var start = index
      while true {
        if index == bytes.endIndex || bytes[index] == UInt8(ascii: ".") {
          guard index > start else { return nil }
          prerelease.append(String(decoding: bytes[start..<index], as: UTF8.self))
          if index == bytes.endIndex { break }
          bytes.formIndex(after: &index)
          start = index
          continue
        }
        guard Self.isASCIIAlphanumeric(bytes[index]) else { return nil }
        bytes.formIndex(after: &index)
      }
    }
    while numbers.count < 3 { numbers.append(0) }
    self.numbers = numbers
    self.prerelease = prerelease
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
  }

  public var major: Int { numbers[0] }
  public var minor: Int { numbers[1] }
  public var patch: Int { numbers[2] }

  /// The release line, e.g. `2.0` for `2.0.3`.
  public var line: (major: Int, minor: Int) { (major, minor) }

  public var description: String {
    numbers.map(String.init).joinedUTF8(separator: ".")
      + (prerelease.isEmpty ? "" : "-" + prerelease.joinedUTF8(separator: "."))
  }

  public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
    if a.numbers != b.numbers { return a.numbers.lexicographicallyPrecedes(b.numbers) }
    // A pre-release sorts before the release itself.
    switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
    case (true, _): return false
    case (false, true): return true
    case (false, false): break
    }
    for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
      switch (Int(x), Int(y)) {
      case (let i?, let j?): return i < j
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil): return x < y
      }
    }
    return a.prerelease.count < b.prerelease.count
  }

  /// True when `self` is within `[low, high]`, both inclusive.
  func isWithin(_ low: String, _ high: String) -> Bool {
    guard let low = SemanticVersion(low), let high = SemanticVersion(high) else { return false }
    return low <= self && self <= high
  }
}
