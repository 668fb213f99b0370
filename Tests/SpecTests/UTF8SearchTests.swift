import Testing

@testable import Spec

@Suite struct UTF8SearchTests {
  @Test func findsTheFirstOccurrenceByBytes() {
    let url = "https://mirror.example:5000/a://b"
    let range = url.firstUTF8Range(of: "://")
    #expect(range.map { String(url[$0.upperBound...]) } == "mirror.example:5000/a://b")
    #expect("aab".firstUTF8Range(of: "ab").map { String("aab"[$0]) } == "ab")
    #expect("ab".firstUTF8Range(of: "abc") == nil)
    #expect("ab".firstUTF8Range(of: "") == nil)
    // A substring's own indices.
    let tail = url.dropFirst(8)
    #expect(tail.firstUTF8Range(of: "://").map { String(tail[$0.upperBound...]) } == "b")
  }

  @Test func comparesBytesNotCharacters() {
    // "e" + U+0301 is one Character "é"; the bytes of "e" are still there.
    #expect("cafe\u{0301}".containsUTF8("cafe"))
    #expect(!"caf\u{E9}".containsUTF8("cafe"))
    #expect("a\r\nb".containsUTF8("\n"))
    #expect("x..y".containsUTF8(".."))
    #expect(!"x.y.".containsUTF8(".."))
  }

  @Test func replacesEveryOccurrenceFromTheStart() {
    #expect(
      "ExecStart=/usr/local/bin/containerd --x bin/containerd".replacingUTF8(
        "bin/containerd", with: "bin/buildkitd")
        == "ExecStart=/usr/local/bin/buildkitd --x bin/buildkitd")
    #expect("aaa".replacingUTF8("aa", with: "b") == "ba")
    #expect("none".replacingUTF8("x", with: "y") == "none")
    #expect("é-é".replacingUTF8("-", with: "–") == "é–é")
  }
  /// `joinedUTF8` gives what the standard library's `joined` gives, for every separator and
  /// any number of elements, empty ones and non-ASCII ones included.
  @Test func joinsAsTheStandardLibraryDoes() {
    let words = ["", "a", "é", "bc", "\n", "✓ x", String(repeating: "long ", count: 40)]
    for separator in ["", ", ", "\n  or ", "é"] {
      for count in 0...4 {
        for start in words.indices {
          let elements = (0..<count).map { words[(start + $0 * 3) % words.count] }
          #expect(
            elements.joinedUTF8(separator: separator) == elements.joined(separator: separator),
            "\(elements) with \(separator.debugDescription)")
        }
      }
    }
    #expect(["a", "b"].joinedUTF8() == "ab")
  }
}
