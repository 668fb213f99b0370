import Testing

@testable import Spec

/// The fifth round's cheaper ways of reading a spec (performance.md, "Reading and compiling
/// the spec (fifth round)"), each compared with the code it replaced, kept below word for
/// word, over many generated inputs.
@Suite struct SpecReadingOracleTests {
  /// Key sequences with repeats, short and long (past `KeyIndex.listLimit`, where the list
  /// becomes a dictionary), including keys that differ only in case, in a combining mark or
  /// by a trailing space.
  static let keySequences: [[String]] = {
    let alphabet = ["a", "b", "A", "a ", "e\u{301}", "\u{E9}", "", "registry-1", "registry-10"]
    var sequences: [[String]] = []
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      // xorshift: reproducible without Foundation.
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(bound))
    }
    for length in [0, 1, 2, 3, 15, 16, 17, 18, 40, 100] {
      for _ in 0..<60 {
        sequences.append(
          (0..<length).map { _ in
            next(3) == 0 ? alphabet[next(alphabet.count)] : "k\(next(length * 2 + 1))"
          })
      }
    }
    // Every key distinct, then each repeated: the dictionary holds all of the list's keys.
    sequences.append((0..<50).map { "k\($0)" } + (0..<50).map { "k\($0)" })
    return sequences
  }()

  @Test func keyIndexIsTheDictionary() {
    for keys in Self.keySequences {
      var index = YAMLReader.KeyIndex()
      var reference = Reference.KeyTable()
      for (offset, key) in keys.enumerated() {
        let range = SourceRange(
          start: SourceLocation(line: offset + 1, column: 1),
          end: SourceLocation(line: offset + 1, column: 2))
        let found = index.first(key)
        #expect(found == reference.firstKeys[key], "\(keys) at \(offset)")
        if found == nil { index.insert(key, at: range) }
        reference.accept(key, at: range)
      }
    }
  }

  /// Texts from pieces that move lines and columns differently: ASCII, every line end (LF,
  /// CR, CRLF, and a CR and LF split by other text), two-, three- and four-byte scalars, a
  /// byte order mark at the start, and hidden characters (which end the scan early).
  static let texts: [String] = {
    let pieces = [
      "a", "ab: c", "\n", "\r", "\r\n", "\n\r", "\u{E9}", "\u{20AC}", "\u{1F600}", "\t", " ",
      "\u{200B}", "\u{2028}", "\u{85}", "\u{FEFF}", "e\u{301}",
    ]
    var texts: [String] = [""]
    for a in pieces {
      for b in pieces {
        texts.append(a + b)
        for c in pieces { texts.append(a + b + c + a) }
      }
    }
    return texts + texts.map { "\u{FEFF}" + $0 }
  }()

  @Test func endIsTheLocationOfTheLastByte() {
    var reached = 0
    for text in Self.texts {
      let file = SourceFile(path: "t.yaml", text: text)
      let limit = Diagnostics.displayLimit + 1
      let (found, end) = YAMLReader.hiddenCharactersAndEnd(file, limit: limit)
      #expect(found.count == YAMLReader.hiddenCharacters(file, limit: limit).count)
      // The end is only used (and only complete) when the scan reached it.
      guard found.count < limit else { continue }
      #expect(end == file.location(ofByte: file.bytes.count), "\(text.debugDescription)")
      reached += 1
    }
    #expect(reached > 1_000)
  }

  @Test func headAndRestIsTheSplit() {
    let pieces = ["", ".", "..", "a", "components", "runc", "\u{E9}", "e\u{301}", ".\u{301}"]
    var two = 0
    for a in pieces {
      for b in pieces {
        for c in pieces {
          for d in pieces {
            let path = a + b + c + d
            // By design (`headAndRest`): a `.` and a combining mark are one Character there.
            if path.contains(".\u{301}") { continue }
            let parts = Reference.parts(path)
            let fast = NodeSpec.headAndRest(path)
            #expect(fast.map { [$0.head, $0.rest] } == (parts.count == 2 ? parts : nil), "\(path)")
            if parts.count == 2 { two += 1 }
          }
        }
      }
    }
    #expect(two > 1_000)
  }

  @Test func nullIsTheArrayVersion() {
    let texts = ["", "~", "null", "Null", "NULL", "nul", "nulls", "NuLL", "~~", " ", "0", "\u{E9}"]
    let tags: [String?] = [nil, "tag:yaml.org,2002:null", "tag:yaml.org,2002:str", "!"]
    let styles: [YAMLNode.ScalarStyle] = [.plain, .singleQuoted, .doubleQuoted, .literal, .folded]
    let range = SourceRange(at: SourceLocation(line: 1, column: 1))
    var nulls = 0
    for text in texts {
      for tag in tags {
        for style in styles {
          let node = YAMLNode(.scalar(.init(text, style: style)), tag: tag, at: range)
          #expect(node.isNull == Reference.isNull(node), "\(text) \(String(describing: tag))")
          if node.isNull { nulls += 1 }
        }
      }
    }
    for kind in [YAMLNode.Kind.sequence([]), .mapping([])] {
      #expect(YAMLNode(kind, at: range).isNull == false)
    }
    #expect(nulls == 10)
  }

  @Test func forbiddenCharacterIsTheScalarSearch() {
    // Every scalar below U+0100 and a few above, alone and inside printable text.
    var scalars = (0..<0x100).compactMap(Unicode.Scalar.init)
    scalars += ["\u{200B}", "\u{2028}", "\u{202E}", "\u{FEFF}", "\u{3164}", "\u{1F600}"]
    for scalar in scalars {
      for text in [String(scalar), "a\(scalar)b", "https://m.io/\(scalar)", "\(scalar)\u{E9}"] {
        let old = text.unicodeScalars.first(where: \.isForbiddenInSpecValue)
        #expect(SpecDecoder.firstForbidden(in: text) == old, "\(text.debugDescription)")
      }
    }
  }
}

/// The code before the change, word for word.
private enum Reference {
  /// `YAMLNode.isNull`.
  static func isNull(_ node: YAMLNode) -> Bool {
    let nullTag = "tag:yaml.org,2002:null"
    let scalar = node.scalar
    let tag = node.tag
    guard let scalar, scalar.style == .plain, tag == nil || tag == nullTag else {
      return false
    }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.text)
  }

  /// `NodeSpec.writes`' split of its path.
  static func parts(_ path: String) -> [Substring] {
    let parts = path.split(separator: ".", maxSplits: 1)
    return parts
  }

  /// `YAMLReader.accepts`' bookkeeping of the keys met so far.
  struct KeyTable {
    var firstKeys: [String: SourceRange] = [:]

    mutating func accept(_ text: String, at range: SourceRange) {
      if let first = firstKeys[text] {
        _ = first
        return
      }
      firstKeys[text] = range
    }
  }
}
