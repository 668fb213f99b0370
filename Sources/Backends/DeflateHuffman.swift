extension Deflate {
  /// A canonical prefix code (RFC 1951 §3.2.2): a bit length per symbol, 0 for an unused
  /// one, and codes derived from the lengths alone, so a block only has to carry the lengths.
  struct HuffmanCode {
    let lengths: [Int]
    /// Each symbol's code with its bits reversed: DEFLATE sends a Huffman code most
    /// significant bit first, while `BitWriter` sends least significant first.
    let codes: [Int]

    init(lengths: [Int]) {
      self.lengths = lengths
      let maxLength = lengths.max() ?? 0
      var countOfLength = [Int](repeating: 0, count: maxLength + 1)
      for length in lengths where length > 0 { countOfLength[length] += 1 }
      var next = [Int](repeating: 0, count: maxLength + 1)
      var code = 0
      for length in stride(from: 1, through: maxLength, by: 1) {
        code = (code + countOfLength[length - 1]) << 1
        next[length] = code
      }
      var codes = [Int](repeating: 0, count: lengths.count)
      for (symbol, length) in lengths.enumerated() where length > 0 {
        codes[symbol] = Self.reversed(next[length], count: length)
        next[length] += 1
      }
      self.codes = codes
    }

    /// The optimal code for `frequencies` with no code longer than `limit` bits.
    init(frequencies: [Int], limit: Int) {
      self.init(lengths: Self.lengths(frequencies: frequencies, limit: limit))
    }

    /// The code of RFC 1951 §3.2.6 for literals and lengths (symbols 286 and 287 take part in
    /// the code but never occur).
    static let fixedLiteralLength = HuffmanCode(
      lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
        + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8))

    /// The fixed code for distances: five bits each.
    static let fixedDistance = HuffmanCode(lengths: [Int](repeating: 5, count: 30))

    /// Total bits to send symbols with `frequencies` in this code.
    func cost(of frequencies: [Int]) -> Int {
      zip(frequencies, lengths).reduce(0) { $0 + $1.0 * $1.1 }
    }

    private static func reversed(_ code: Int, count: Int) -> Int {
      var result = 0
      for bit in 0..<count where code & (1 << bit) != 0 { result |= 1 << (count - 1 - bit) }
      return result
    }

    /// Code lengths by package-merge (Larmore and Hirschberg's coin collector), which gives
    /// the optimal lengths under a limit directly; a plain Huffman tree can be deeper than the
    /// 15 bits (7 for the code-length code) that DEFLATE allows.
    ///
    /// Fewer than two used symbols still get a two-symbol, one-bit code: an inflater such as
    /// zlib rejects an incomplete code-length code, and a block with no matches must still
    /// describe a distance code. This is what zlib itself sends.
    static func lengths(frequencies: [Int], limit: Int) -> [Int] {
      var lengths = [Int](repeating: 0, count: frequencies.count)
      var used = frequencies.indices.filter { frequencies[$0] > 0 }
      if used.count < 2 {
        for symbol in frequencies.indices where used.count < 2 && !used.contains(symbol) {
          used.append(symbol)
        }
        for symbol in used { lengths[symbol] = 1 }
        return lengths
      }
      // Fits by construction: at most 286 symbols under 15 bits, 19 under 7.
      assert(used.count <= 1 << limit, "too many symbols for the length limit")

      // Items of a list: a leaf (one symbol) or a package of two items of the list below.
      struct Item {
        var weight: Int
        var symbol: Int?
      }
      let leaves = used.sorted { (frequencies[$0], $0) < (frequencies[$1], $1) }
        .map { Item(weight: frequencies[$0], symbol: $0) }
      var levels = [leaves]
      var list = leaves
      for _ in 1..<limit {
        let packages = stride(from: 0, to: list.count - 1, by: 2).map {
          Item(weight: list[$0].weight + list[$0 + 1].weight, symbol: nil)
        }
        list = merged(leaves, packages)
        levels.append(list)
      }
      // The cheapest 2n - 2 items of the last list; each time a symbol appears among them or
      // inside their packages adds one bit to its length. Packages keep their order through
      // a merge, so the first p packages of a list are made of the first 2p items below it.
      var take = 2 * leaves.count - 2
      for level in levels.reversed() {
        var packages = 0
        for item in level.prefix(take) {
          if let symbol = item.symbol { lengths[symbol] += 1 } else { packages += 1 }
        }
        take = 2 * packages
      }
      return lengths

      func merged(_ a: [Item], _ b: [Item]) -> [Item] {
        var result: [Item] = []
        result.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
          // A leaf first on equal weight: any order is optimal, this one is deterministic.
          if j == b.count || (i < a.count && a[i].weight <= b[j].weight) {
            result.append(a[i])
            i += 1
          } else {
            result.append(b[j])
            j += 1
          }
        }
        return result
      }
    }
  }
}
