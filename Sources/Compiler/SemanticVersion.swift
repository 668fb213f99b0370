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
  /// dozen versions cost 0.12 M instructions.
  public init?(_ text: String) {
    let bytes = text.utf8
    let dash = bytes.firstIndex(of: UInt8(ascii: "-"))
    var numbers: [Int] = []
    numbers.reserveCapacity(3)
    for part in bytes[..<(dash ?? bytes.endIndex)].split(
      separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    {
      guard numbers.count < 3, let number = Self.number(part) else { return nil }
      numbers.append(number)
    }
    guard numbers.count >= 2 else { return nil }
    var prerelease: [String] = []
    if let dash {
      for identifier in bytes[bytes.index(after: dash)...].split(
        separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
      {
        guard !identifier.isEmpty, identifier.allSatisfy(Self.isASCIIAlphanumeric) else {
          return nil
        }
        prerelease.append(String(decoding: identifier, as: UTF8.self))
      }
    }
    while numbers.count < 3 { numbers.append(0) }
    self.numbers = numbers
    self.prerelease = prerelease
  }

  /// What `Int(_:)` reads in a version's part: an optional `+`, then decimal digits; nil on
  /// overflow.
  private static func number(_ part: Substring.UTF8View) -> Int? {
    var digits = part[...]
    if digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
    guard !digits.isEmpty else { return nil }
    var value = 0
    for byte in digits {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      guard !overflow, !overflow2 else { return nil }
      value = sum
    }
    return value
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
