import Testing

@testable import Spec

@Suite struct ByteWriterTests {
  @Test func writesTextLinesBytesAndIndentationInOrder() {
    var writer = ByteWriter(capacity: 8)
    #expect(writer.isEmpty)
    writer.line("key:")
    writer.indent(2)
    writer.write("- ")
    writer.write(byte: UInt8(ascii: "'"))
    writer.write("é\u{0301}")  // a combining mark is two scalars, three bytes here
    writer.write(bytes: Array("'\n".utf8))
    #expect(writer.text == "key:\n  - 'é\u{0301}'\n")
    #expect(writer.count == writer.text.utf8.count)
    #expect(!writer.isEmpty)
  }

  @Test func aBridgedOrSubstringBackedStringIsCopiedWhole() {
    var writer = ByteWriter()
    let long = String(repeating: "abc", count: 1000)
    writer.write(String(long.dropFirst(1)))
    #expect(writer.count == 2999)
    #expect(writer.text.hasPrefix("bca"))
  }
}

/// The writer keeps its bytes in a buffer of its own (performance.md, "The emitter and the
/// writer (fifth round)"): it must still behave as a value, and grow past any capacity.
@Suite struct ByteWriterStorageTests {
  @Test func aCopyIsAValueWhicheverSideWritesNext() {
    var first = ByteWriter(capacity: 64)
    first.write("shared")
    var second = first
    second.write(" second")
    first.write(" first")
    #expect(first.text == "shared first")
    #expect(second.text == "shared second")
    let third = second
    second.indent(3)
    #expect(third.text == "shared second")
    #expect(second.text == "shared second   ")
  }

  @Test func growsPastItsCapacityKeepingEveryByte() {
    var writer = ByteWriter(capacity: 1)
    var expected: [UInt8] = []
    for index in 0..<5_000 {
      let piece = String(repeating: "x", count: index % 7) + "\u{E9}"
      writer.write(piece)
      writer.write(byte: UInt8(truncatingIfNeeded: index))
      writer.indent(index % 70)
      expected += Array(piece.utf8) + [UInt8(truncatingIfNeeded: index)]
      expected += Array(repeating: UInt8(ascii: " "), count: index % 70)
    }
    #expect(writer.count == expected.count)
    #expect(writer.bytes == expected)
  }

  @Test func anotherWritersBytesAreAppendedWhole() {
    var part = ByteWriter()
    part.line("a: 1")
    var whole = ByteWriter(capacity: 2)
    whole.write(contentsOf: part)
    whole.write(bytes: part.bytes)
    whole.write(bytes: part.bytes[1...])
    whole.write(bytes: [UInt8]())
    whole.write(contentsOf: ByteWriter())
    #expect(whole.text == "a: 1\na: 1\n: 1\n")
    #expect(part.text == "a: 1\n")
  }
}
