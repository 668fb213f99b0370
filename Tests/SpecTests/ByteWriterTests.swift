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
