extension Deflate {
  /// Packs bits least significant first, as DEFLATE stores them.
  struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits not yet flushed to `bytes`, the oldest in the low end; fewer than 8 between calls.
    private var buffer: UInt64 = 0
    private var filled = 0

    /// How many bits have been written so far.
    var bitCount: Int { bytes.count * 8 + filled }

    /// The `count` low bits of `value`, least significant first: header fields, extra bits,
    /// and Huffman codes once reversed (see `HuffmanCode.codes`). `count` is at most 32.
    mutating func write(_ value: Int, count: Int) {
      guard count > 0 else { return }
      buffer |= UInt64(truncatingIfNeeded: value & ((1 << count) - 1)) << UInt64(filled)
      filled += count
      while filled >= 8 {
        bytes.append(UInt8(truncatingIfNeeded: buffer))
        buffer >>= 8
        filled -= 8
      }
    }

    /// Pads with zero bits to the next byte boundary, as a stored block's header needs.
    mutating func alignToByte() {
      if filled > 0 { write(0, count: 8 - filled) }
    }

    /// Raw bytes; only valid on a byte boundary (after `alignToByte`).
    mutating func append(_ raw: ArraySlice<UInt8>) {
      assert(filled == 0, "raw bytes off a byte boundary")
      bytes += raw
    }

    /// The bytes written, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
      alignToByte()
      return bytes
    }
  }
}
