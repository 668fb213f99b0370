import Spec
import Testing

@testable import Compiler

/// The fifth round's cheaper compile paths (performance.md, "Reading and compiling the spec
/// (fifth round)"), each compared with the code it replaced, kept below word for word, over
/// many generated inputs.
@Suite struct CompileOracleTests {
  @Test func semanticVersionsAreTheSplitVersions() {
    let pieces = [
      "", "0", "1", "10", "007", "+1", "+", "-", ".", "..", "rc", "RC1", "a-b", "\u{E9}",
      "1\u{301}", "\r\n", " ", "99999999999999999999", "9223372036854775807", "_", "2", "-1",
      "+0", "beta.0", "x.", ".y", "1.2", "0.1.2",
    ]
    var count = 0
    for a in pieces {
      for b in pieces {
        for c in pieces {
          for text in [
            a + "." + b + c, a + b + "." + c, a + "." + b + "." + c, a + b + c,
            a + "." + b + "-" + c, a + "." + b + "." + c + "-" + b + "." + a,
          ] {
            let fast = SemanticVersion(text)
            let reference = Reference.semanticVersion(text)
            #expect(fast?.numbers == reference?.numbers, "\(text.debugDescription)")
            #expect(fast?.prerelease == reference?.prerelease, "\(text.debugDescription)")
            if reference != nil { count += 1 }
          }
        }
      }
    }
    // The inputs reach the accepting paths too, not only refusals.
    #expect(count > 1_000)
  }
}

/// The code before the change, word for word (its `init?` as a function).
private enum Reference {
  static func semanticVersion(_ text: String) -> (numbers: [Int], prerelease: [String])? {
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
    return (numbers, prerelease)
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
}
