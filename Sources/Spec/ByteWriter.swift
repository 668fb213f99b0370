/// The one output buffer every renderer writes to: the shell script, the cloud-config, the
/// playbook, the TOML and YAML files they carry.
///
/// Output is built as UTF-8 bytes and turned into a `String` or `[UInt8]` once, at the end.
/// Appending a `String` copies its UTF-8 storage in one step (native strings are contiguous
/// UTF-8), where building text with `+`, `joined` and interpolation allocates an intermediate
/// string for every piece and, on Characters, pays for grapheme breaking that no output needs.
///
/// A value type, copied on write like an array. It keeps its bytes in a buffer of its own
/// rather than an `[UInt8]`: a playbook is some 5,000 appends of a few bytes each, and
/// `Array.append(contentsOf:)` spends about 90 instructions on each (its generic `Sequence`
/// path) where `reserve` needs about 15 before its one `memcpy`. The price is one copy when
/// the result is taken as `bytes` (about 0.13 M instructions for a 100 KB playbook);
/// `write(contentsOf:)` appends another writer without it.
public struct ByteWriter: @unchecked Sendable {
  // @unchecked: `storage` is a class, not Sendable itself; it is written only through
  // `reserve`, which copies it first when another writer shares it, so no two writers (nor
  // threads) ever see one buffer change.

  /// The written bytes are the first `count` elements of `storage`; up to `capacity` is room.
  private var storage: Storage
  private var capacity: Int
  public private(set) var count = 0

  /// The memory a writer's bytes are in, freed with the last writer that holds it. Not
  /// `ManagedBuffer`: a generic class's metadata is made at run time, the first time one is
  /// freed, and that lookup costs more than all the appends of a script.
  private final class Storage {
    let start: UnsafeMutablePointer<UInt8>

    init(capacity: Int) { start = .allocate(capacity: capacity) }

    deinit { start.deallocate() }
  }

  public init(capacity: Int = 0) {
    self.capacity = Swift.max(capacity, 32)
    storage = Storage(capacity: self.capacity)
  }

  public var isEmpty: Bool { count == 0 }

  /// The bytes written so far (a copy).
  public var bytes: [UInt8] { [UInt8](written) }

  /// Calls `body` with the bytes written so far, in place: how an output reaches its file
  /// without the copy `bytes` makes (for a 100 KB playbook, 0.13 M instructions and some 25
  /// page faults of fresh heap). The pointer is valid only inside `body`.
  public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
    -> Result
  {
    try withExtendedLifetime(storage) { try body(written) }
  }

  /// The text written so far. Bytes that are not UTF-8 (none a renderer writes) would become
  /// U+FFFD.
  public var text: String { String(decoding: written, as: UTF8.self) }

  /// The bytes written so far, in place: valid while the writer is not changed.
  private var written: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: storage.start, count: count)
  }

  /// Appends `text` as it is.
  public mutating func write(_ text: String) {
    // A native string's bytes are read in place; `withUTF8` (which may have to make the string
    // contiguous first, so needs a mutable copy) only for one bridged from elsewhere.
    if text.utf8.withContiguousStorageIfAvailable({ write(bytes: $0) }) == nil {
      var text = text
      text.withUTF8 { write(bytes: $0) }
    }
  }

  /// Appends `text` and a line break.
  public mutating func line(_ text: String) {
    write(text)
    newline()
  }

  /// Appends a line break.
  public mutating func newline() { write(byte: UInt8(ascii: "\n")) }

  /// Appends one byte (an ASCII character: `UInt8(ascii:)`).
  @inline(__always)
  public mutating func write(byte: UInt8) {
    let at = reserve(1)
    storage.start[at] = byte
  }

  /// Appends two bytes (`: `, `- `, `:` and a line break) with one check of the room and the
  /// sharing, not one for each: a playbook writes some 3,000 such pairs.
  @inline(__always)
  public mutating func write(byte first: UInt8, _ second: UInt8) {
    let at = reserve(2)
    storage.start[at] = first
    storage.start[at + 1] = second
  }

  /// Appends what `other` has written.
  public mutating func write(contentsOf other: ByteWriter) {
    write(bytes: other.written)
  }

  /// Appends bytes that are already UTF-8 (a file read whole, another writer's `bytes`).
  public mutating func write(bytes more: [UInt8]) {
    more.withUnsafeBufferPointer { write(bytes: $0) }
  }

  /// Appends bytes that are already UTF-8, from any other sequence. (Generic code across
  /// modules: its first use costs the runtime a lookup of the sequence's associated types,
  /// some 0.2 M instructions; the forms above are not generic.)
  public mutating func write(bytes more: some Sequence<UInt8>) {
    if more.withContiguousStorageIfAvailable({ write(bytes: $0) }) == nil {
      for byte in more { write(byte: byte) }
    }
  }

  /// Appends bytes that are already UTF-8, from contiguous memory (a `String`'s `withUTF8`):
  /// one copy.
  public mutating func write(bytes more: UnsafeBufferPointer<UInt8>) {
    guard let source = more.baseAddress, more.count > 0 else { return }
    let at = reserve(more.count)
    (storage.start + at).initialize(from: source, count: more.count)
  }

  /// Appends `count` spaces: an indentation.
  public mutating func indent(_ count: Int) {
    guard count > 0 else { return }
    let at = reserve(count)
    (storage.start + at).initialize(repeating: UInt8(ascii: " "), count: count)
  }

  /// Makes room for `more` bytes at the end, in a buffer no other writer shares, counts them
  /// as written, and returns where they start: the caller fills them at once.
  @inline(__always)
  private mutating func reserve(_ more: Int) -> Int {
    let start = count
    if capacity - start < more || !isKnownUniquelyReferenced(&storage) { grow(to: start + more) }
    count = start + more
    return start
  }

  /// A new buffer, twice the size when it has to grow (appends stay linear), the same size
  /// when it only stops sharing one, holding the bytes written so far.
  @inline(never)
  private mutating func grow(to needed: Int) {
    let newCapacity = needed > capacity ? Swift.max(needed, capacity * 2) : capacity
    let new = Storage(capacity: newCapacity)
    new.start.initialize(from: storage.start, count: count)
    storage = new
    capacity = newCapacity
  }
}
