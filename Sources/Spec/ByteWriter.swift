/// The one output buffer every renderer writes to: the shell script, the cloud-config, the
/// playbook, the TOML and YAML files they carry.
///
/// Output is built as UTF-8 bytes and turned into a `String` once, at the end. Appending a
/// `String` copies its UTF-8 storage in one step (native strings are contiguous UTF-8), where
/// building text with `+`, `joined` and interpolation allocates an intermediate string for
/// every piece and, on Characters, pays for grapheme breaking that no output needs.
public struct ByteWriter: Sendable {
  public private(set) var bytes: [UInt8]

  public init(capacity: Int = 0) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  public var isEmpty: Bool { bytes.isEmpty }
  public var count: Int { bytes.count }

  /// Appends `text` as it is.
  public mutating func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
  }

  /// Appends `text` and a line break.
  public mutating func line(_ text: String) {
    write(text)
    bytes.append(UInt8(ascii: "\n"))
  }

  /// Appends a line break.
  public mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

  /// Appends one byte (an ASCII character: `UInt8(ascii:)`).
  public mutating func write(byte: UInt8) { bytes.append(byte) }

  /// Appends bytes that are already UTF-8 (a slice of input, another writer's output).
  public mutating func write(bytes more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }

  /// Appends bytes that are already UTF-8, from contiguous memory (a `String`'s `withUTF8`):
  /// one copy, without the generic `Sequence` path across modules.
  public mutating func write(bytes more: UnsafeBufferPointer<UInt8>) {
    bytes.append(contentsOf: more)
  }

  /// Appends `count` spaces: an indentation.
  public mutating func indent(_ count: Int) {
    if count <= Self.spaces.count {
      Self.spaces.withUnsafeBufferPointer {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<count]))
      }
    } else {
      bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }
  }

  /// Enough spaces for any indentation a renderer writes, copied in one step.
  private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

  /// The text written so far. Bytes that are not UTF-8 (none a renderer writes) would become
  /// U+FFFD.
  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
