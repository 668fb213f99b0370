/// A release version such as `2.0.0` or `2.4.0-beta.0`, compared as semantic versions:
/// numerically per component (`1.10` is after `1.9`), a pre-release before its release.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The numeric components, e.g. `[2, 0, 0]`; at least two.
  public var numbers: [Int]
  /// Dot-separated pre-release identifiers after `-`, empty for a release.
  public var prerelease: [String]

  /// Parses `MAJOR.MINOR[.PATCH][-PRERELEASE]`; nil for anything else (a leading `v` too).
  public init?(_ text: String) {
    let (core, pre): (Substring, Substring?) =
      if let dash = text.firstIndex(of: "-") {
        (text[..<dash], text[text.index(after: dash)...])
      } else {
        (text[...], nil)
      }
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    guard (2...3).contains(parts.count) else { return nil }
    var numbers: [Int] = []
    for part in parts {
      guard !part.isEmpty, part.allSatisfy(\.isASCII), let number = Int(part) else { return nil }
      numbers.append(number)
    }
    if let pre {
      let identifiers = pre.split(separator: ".", omittingEmptySubsequences: false)
      guard
        !identifiers.isEmpty,
        identifiers.allSatisfy({
          !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        })
      else { return nil }
      prerelease = identifiers.map(String.init)
    } else {
      prerelease = []
    }
    self.numbers = numbers + Array(repeating: 0, count: 3 - numbers.count)
  }

  public var major: Int { numbers[0] }
  public var minor: Int { numbers[1] }
  public var patch: Int { numbers[2] }

  /// The release line, e.g. `2.0` for `2.0.3`.
  public var line: (major: Int, minor: Int) { (major, minor) }

  public var description: String {
    numbers.map(String.init).joined(separator: ".")
      + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
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
