import Testing

@testable import Spec

/// `writeSingleQuoted` and `writeLiteral` find quotes and line breaks with `memchr`
/// (`UnsafeBufferPointer.firstIndex(of:from:)`); the byte loops they replaced, kept here word for word as the
/// reference, write the same bytes for generated texts: quotes and line breaks at the start,
/// the end, doubled, past the first eight bytes, beside non-ASCII characters.
@Suite struct YAMLEmitterScanTests {
  enum Reference {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")

    static func writeSingleQuoted(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout ByteWriter) {
      let quote = UInt8(ascii: "'")
      out.write(byte: quote)
      var start = 0
      for index in bytes.indices where bytes[index] == quote {
        out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...index]))
        out.write(byte: quote)
        start = index + 1
      }
      out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start...]))
      out.write(byte: quote)
    }

    static func writeLiteral(
      _ bytes: UnsafeBufferPointer<UInt8>, column: Int, _ out: inout ByteWriter
    ) {
      out.write(byte: UInt8(ascii: "|"))
      if bytes[0] == space || bytes[0] == newline { out.write(byte: UInt8(ascii: "2")) }
      let count = bytes.count
      if bytes[count - 1] != newline {
        out.write(byte: UInt8(ascii: "-"))
      } else if count == 1 || bytes[count - 2] == newline {
        out.write(byte: UInt8(ascii: "+"))
      }
      out.write(byte: newline)
      var start = 0
      while start < count {
        var end = start
        while end < count && bytes[end] != newline { end += 1 }
        if end > start {
          out.indent(column)
          out.write(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        out.write(byte: newline)
        start = end + 1
      }
    }
  }

  static let pieces = [
    "", "'", "''", "\n", "\n\n", " ", "a", "it's", "line one\nline two", "0123456789abcdef",
    "caf\u{E9}", "\u{65E5}\n", "{{ item }}", "x'y'z\n",
  ]

  @Test func sameBytesAsTheByteLoops() {
    var count = 0
    for a in Self.pieces {
      for b in Self.pieces {
        for c in Self.pieces {
          let text = a + b + c
          var utf8 = text
          utf8.withUTF8 { bytes in
            var new = ByteWriter()
            var old = ByteWriter()
            YAMLEmitter.writeSingleQuoted(bytes, &new)
            Reference.writeSingleQuoted(bytes, &old)
            #expect(new.bytes == old.bytes, "\(text)")
            // A literal block holds at least one byte (`Analysis` sees to it).
            if !bytes.isEmpty {
              var new = ByteWriter()
              var old = ByteWriter()
              YAMLEmitter.writeLiteral(bytes, column: 4, &new)
              Reference.writeLiteral(bytes, column: 4, &old)
              #expect(new.bytes == old.bytes, "\(text)")
            }
          }
          count += 1
        }
      }
    }
    #expect(count == 2_744)
  }

  /// `wouldRetype` compares a short text with YAML 1.1's words as one folded number; the
  /// loop over the words it replaced, kept here word for word, gives the same answer for every
  /// word in every mix of cases, with one byte changed, shortened and lengthened, and for
  /// generated texts of up to six bytes.
  @Test func wouldRetypeIsTheWordLoopsAnswer() {
    let retypingFirstBytes: [Bool] = {
      var table = [Bool](repeating: false, count: 256)
      for byte in "0123456789+-.~<=".utf8 { table[Int(byte)] = true }
      return table
    }()
    let retypingWords: [[UInt8]] =
      ["y", "n", "yes", "no", "true", "false", "on", "off", "null"].map { Array($0.utf8) }
    func reference(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
      guard let first = utf8.first else { return true }
      if retypingFirstBytes[Int(first)] { return true }
      let count = utf8.count
      guard count <= 5 else { return false }
      switch first | 0x20 {
      case UInt8(ascii: "y"), UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "f"),
        UInt8(ascii: "o"):
        break
      default: return false
      }
      return retypingWords.contains { word in
        word.count == count
          && zip(word, utf8).allSatisfy { $0 == (0x41...0x5a ~= $1 ? $1 | 0x20 : $1) }
      }
    }
    var texts: [[UInt8]] = []
    for word in retypingWords {
      // Every mix of cases.
      for mask in 0..<(1 << word.count) {
        texts.append(word.enumerated().map { mask >> $0 & 1 == 1 ? $1 & ~0x20 : $1 })
      }
      for index in word.indices {
        for byte in [0x00, 0x20, 0x40, 0x5B, 0x60, 0x7B, 0x80, 0xC3, 0xFF] as [UInt8] {
          var changed = word
          changed[index] = byte
          texts.append(changed)
          changed[index] = word[index] ^ 0x01
          texts.append(changed)
        }
      }
      texts.append(Array(word.dropLast()))
      texts.append(word + [word[0]])
      texts.append(word + [0])
    }
    let alphabet: [UInt8] = Array("nNoOyYtTfFeElLsSuUrRa0 -.@`".utf8) + [0x80, 0xE9]
    var state: UInt64 = 7
    for _ in 0..<20_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let length = Int(state >> 60) % 7
      texts.append(
        (0..<length).map { index in alphabet[Int(state >> UInt64(8 + 6 * index)) % alphabet.count] })
    }
    var retyping = 0
    for text in texts {
      text.withUnsafeBufferPointer { bytes in
        let expected = reference(bytes)
        #expect(YAMLEmitter.wouldRetype(bytes) == expected, "\(text)")
        if expected { retyping += 1 }
      }
    }
    #expect(retyping > 500 && retyping < texts.count)
  }
}
