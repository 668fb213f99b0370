extension Deflate {
  /// Writes one block of tokens in whichever of the three block types (RFC 1951 §3.2.3) is
  /// smallest for it: stored (for data that does not compress), the fixed Huffman code
  /// (cheap to describe, for short blocks), or a dynamic code built from the block's own
  /// symbol counts and sent in the block header (§3.2.7).
  struct BlockEncoder {
    /// The block's tokens.
    let tokens: ArraySlice<Token>
    /// The input bytes the tokens spell, for a stored block.
    let raw: ArraySlice<UInt8>

    /// Symbol counts: literal/length symbols 0...285 (256 ends the block) and distance
    /// symbols 0...29.
    let literalFrequencies: [Int]
    let distanceFrequencies: [Int]
    /// The bits that follow length and distance symbols, the same in any Huffman block.
    private let extraBits: Int

    init(tokens: ArraySlice<Token>, raw: ArraySlice<UInt8>) {
      self.tokens = tokens
      self.raw = raw
      var literals = [Int](repeating: 0, count: 286)
      var distances = [Int](repeating: 0, count: 30)
      var extra = 0
      for token in tokens {
        if token.isLiteral {
          literals[Int(token.length)] += 1
        } else {
          let length = Self.lengthSymbol(Int(token.length))
          let distance = Self.distanceSymbol(Int(token.distance))
          literals[257 + length] += 1
          distances[distance] += 1
          extra += Self.lengthExtra[length] + Self.distanceExtra[distance]
        }
      }
      literals[256] = 1
      literalFrequencies = literals
      distanceFrequencies = distances
      extraBits = extra
    }

    /// The three ways to write the block, with their sizes in bits.
    private struct Choice {
      var dynamic: DynamicHeader
      var fixedBits: Int
      var dynamicBits: Int
      var storedBits: Int

      var bitCount: Int { min(storedBits, fixedBits, dynamicBits) }
    }

    /// `start` is the writer's position, which decides a stored block's padding.
    private func choice(startingAt start: Int) -> Choice {
      let dynamic = DynamicHeader(literals: literalFrequencies, distances: distanceFrequencies)
      return Choice(
        dynamic: dynamic,
        fixedBits: 3 + HuffmanCode.fixedLiteralLength.cost(of: literalFrequencies)
          + HuffmanCode.fixedDistance.cost(of: distanceFrequencies) + extraBits,
        dynamicBits: 3 + dynamic.bitCount + dynamic.literalLength.cost(of: literalFrequencies)
          + dynamic.distance.cost(of: distanceFrequencies) + extraBits,
        storedBits: Self.storedCost(count: raw.count, startingAt: start))
    }

    /// The block's size in bits in its cheapest type, written from bit `start` on.
    func bitCount(startingAt start: Int = 0) -> Int { choice(startingAt: start).bitCount }

    /// Appends the block to `bits`; `isFinal` sets BFINAL.
    func write(to bits: inout BitWriter, isFinal: Bool) {
      let choice = choice(startingAt: bits.bitCount)
      if choice.storedBits < min(choice.fixedBits, choice.dynamicBits) {
        writeStored(to: &bits, isFinal: isFinal)
      } else if choice.fixedBits <= choice.dynamicBits {
        bits.write(isFinal ? 1 : 0, count: 1)
        bits.write(1, count: 2)
        writeTokens(HuffmanCode.fixedLiteralLength, HuffmanCode.fixedDistance, to: &bits)
      } else {
        bits.write(isFinal ? 1 : 0, count: 1)
        bits.write(2, count: 2)
        choice.dynamic.write(to: &bits)
        writeTokens(choice.dynamic.literalLength, choice.dynamic.distance, to: &bits)
      }
    }

    private func writeTokens(
      _ literalLength: HuffmanCode, _ distance: HuffmanCode, to bits: inout BitWriter
    ) {
      for token in tokens {
        if token.isLiteral {
          let byte = Int(token.length)
          bits.write(literalLength.codes[byte], count: literalLength.lengths[byte])
          continue
        }
        let length = Int(token.length)
        let lengthSymbol = Self.lengthSymbol(length)
        bits.write(
          literalLength.codes[257 + lengthSymbol], count: literalLength.lengths[257 + lengthSymbol])
        bits.write(length - Self.lengthBase[lengthSymbol], count: Self.lengthExtra[lengthSymbol])
        let offset = Int(token.distance)
        let distanceSymbol = Self.distanceSymbol(offset)
        bits.write(distance.codes[distanceSymbol], count: distance.lengths[distanceSymbol])
        bits.write(
          offset - Self.distanceBase[distanceSymbol], count: Self.distanceExtra[distanceSymbol])
      }
      bits.write(literalLength.codes[256], count: literalLength.lengths[256])
    }

    // MARK: Stored blocks

    /// A stored block holds at most 65535 bytes (LEN is 16 bits), so a longer run of raw
    /// bytes goes out as several.
    private static let maxStored = 65_535

    /// Bits for `count` raw bytes as stored blocks, when the writer is at bit `start`: each
    /// block has a 3-bit header, padding to a byte boundary, LEN and NLEN, then the bytes.
    static func storedCost(count: Int, startingAt start: Int) -> Int {
      var position = start
      var remaining = count
      repeat {
        let chunk = min(remaining, maxStored)
        position += 3
        position = (position + 7) / 8 * 8 + 32 + 8 * chunk
        remaining -= chunk
      } while remaining > 0
      return position - start
    }

    private func writeStored(to bits: inout BitWriter, isFinal: Bool) {
      var start = raw.startIndex
      repeat {
        let end = min(start + Self.maxStored, raw.endIndex)
        bits.write(isFinal && end == raw.endIndex ? 1 : 0, count: 1)
        bits.write(0, count: 2)
        bits.alignToByte()
        bits.write(end - start, count: 16)
        bits.write(~(end - start) & 0xffff, count: 16)
        bits.append(raw[start..<end])
        start = end
      } while start < raw.endIndex
    }

    // MARK: Symbols (RFC 1951 §3.2.5)

    static let lengthBase = [
      3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
      131, 163, 195, 227, 258,
    ]
    static let lengthExtra = [
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let distanceBase = [
      1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
      2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
      0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
      13, 13,
    ]

    /// The length symbol (0...28, sent as 257...285) for each match length 0...258.
    private static let lengthSymbols: [Int] = (0...Matcher.maxMatch).map { length in
      lengthBase.lastIndex { $0 <= length } ?? 0
    }

    static func lengthSymbol(_ length: Int) -> Int { lengthSymbols[length] }

    /// The distance symbol (0...29) for a distance 1...32768: past the first four, two
    /// symbols per power of two, told apart by the bit below the top one.
    static func distanceSymbol(_ distance: Int) -> Int {
      let value = distance - 1
      guard value >= 4 else { return max(value, 0) }
      let top = Int.bitWidth - 1 - value.leadingZeroBitCount
      return 2 * top + ((value >> (top - 1)) & 1)
    }
  }

  /// The header of a dynamic block: how many literal/length and distance lengths follow,
  /// the code-length code, and both codes' lengths run-length encoded in it (§3.2.7).
  struct DynamicHeader {
    let literalLength: HuffmanCode
    let distance: HuffmanCode
    private let codeLengthCode: HuffmanCode
    /// The run-length encoded lengths: symbols 0...18 of the code-length code, each with the
    /// value of its extra bits (repeat counts for 16, 17 and 18).
    private let runs: [(symbol: Int, extra: Int)]
    private let literalCount: Int
    private let distanceCount: Int
    /// How many code-length code lengths are sent, in `codeLengthOrder`.
    private let codeLengthCount: Int

    /// The order of the code-length code's lengths in the header: likeliest used first, so
    /// the unused tail can be cut.
    private static let codeLengthOrder = [
      16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ]
    private static let repeatExtraBits = [16: 2, 17: 3, 18: 7]

    init(literals: [Int], distances: [Int]) {
      literalLength = HuffmanCode(frequencies: literals, limit: 15)
      distance = HuffmanCode(frequencies: distances, limit: 15)
      // Trailing unused symbols need not be sent; HLIT counts from 257, HDIST from 1.
      literalCount = max(257, (literalLength.lengths.lastIndex { $0 > 0 } ?? 0) + 1)
      distanceCount = max(1, (distance.lengths.lastIndex { $0 > 0 } ?? 0) + 1)
      // One sequence: the RFC lets a run cross from the literal lengths into the distances.
      runs = Self.runLengthEncoded(
        Array(literalLength.lengths.prefix(literalCount) + distance.lengths.prefix(distanceCount)))
      var frequencies = [Int](repeating: 0, count: 19)
      for run in runs { frequencies[run.symbol] += 1 }
      let codeLengthCode = HuffmanCode(frequencies: frequencies, limit: 7)
      self.codeLengthCode = codeLengthCode
      let lastUsed = Self.codeLengthOrder.lastIndex { codeLengthCode.lengths[$0] > 0 } ?? 0
      codeLengthCount = max(4, lastUsed + 1)
    }

    /// The header's size in bits, from HLIT to the last run.
    var bitCount: Int {
      5 + 5 + 4 + 3 * codeLengthCount
        + runs.reduce(0) { total, run in
          total + codeLengthCode.lengths[run.symbol] + Self.repeatExtraBits[run.symbol, default: 0]
        }
    }

    func write(to bits: inout BitWriter) {
      bits.write(literalCount - 257, count: 5)
      bits.write(distanceCount - 1, count: 5)
      bits.write(codeLengthCount - 4, count: 4)
      for symbol in Self.codeLengthOrder.prefix(codeLengthCount) {
        bits.write(codeLengthCode.lengths[symbol], count: 3)
      }
      for run in runs {
        bits.write(codeLengthCode.codes[run.symbol], count: codeLengthCode.lengths[run.symbol])
        bits.write(run.extra, count: Self.repeatExtraBits[run.symbol, default: 0])
      }
    }

    /// Code lengths as code-length symbols: 0...15 literally, 16 repeats the previous length
    /// 3...6 times, 17 and 18 give 3...10 and 11...138 zeros.
    static func runLengthEncoded(_ lengths: [Int]) -> [(symbol: Int, extra: Int)] {
      var runs: [(symbol: Int, extra: Int)] = []
      var index = 0
      while index < lengths.count {
        let value = lengths[index]
        var count = 1
        while index + count < lengths.count && lengths[index + count] == value { count += 1 }
        index += count
        if value == 0 {
          while count >= 11 {
            let run = min(count, 138)
            runs.append((18, run - 11))
            count -= run
          }
          if count >= 3 {
            runs.append((17, count - 3))
            count = 0
          }
        } else {
          runs.append((value, 0))
          count -= 1
          while count >= 3 {
            let run = min(count, 6)
            runs.append((16, run - 3))
            count -= run
          }
        }
        runs += repeatElement((symbol: value, extra: 0), count: count)
      }
      return runs
    }
  }
}
