extension Deflate {
  /// One LZ77 output: a literal byte, or a copy of `length` bytes from `distance` back.
  struct Token: Equatable {
    /// The byte for a literal, else the match length (3...258).
    var length: UInt16
    /// 0 for a literal, else 1...32768.
    var distance: UInt16

    static func literal(_ byte: UInt8) -> Token { Token(length: UInt16(byte), distance: 0) }

    var isLiteral: Bool { distance == 0 }
    /// How many input bytes the token stands for.
    var inputLength: Int { isLiteral ? 1 : Int(length) }
  }

  /// LZ77 with hash chains and lazy matching, as zlib's level 9 does it: at each position
  /// look back through earlier positions with the same three-byte hash, and emit a match
  /// only when the match at the next position is not longer.
  struct Matcher {
    static let window = 32_768
    static let minMatch = 3
    static let maxMatch = 258

    /// How many earlier positions are tried per position. This bounds the time, whatever the
    /// input: the walk is O(maxChain) per position, and stops early at `niceLength`. zlib's
    /// level 9 tries 4096, but on the plans' scripts anything from 64 up gives the same size
    /// within a few bytes, while 4096 makes a hash-colliding input 8 times slower.
    var maxChain = 256
    /// A match this long is taken without looking further.
    var niceLength = 258
    /// With a pending match this long, the next position's walk is cut to a quarter.
    var goodLength = 32
    /// A match this long is emitted at once, without trying the next position.
    var maxLazy = 258
    /// A 3-byte match further back than this costs more bits than three literals.
    var tooFar = 4_096

    /// The tokens that spell `input`.
    func tokens(_ input: [UInt8]) -> [Token] {
      var chains = HashChains(input: input)
      var found: [Match] = []
      var tokens: [Token] = []
      var position = 0
      // A match found at position - 1, held back to see whether position does better.
      var pending: Match?
      while position < input.count {
        found.removeAll(keepingCapacity: true)
        let toBeat = pending?.length ?? Self.minMatch - 1
        let chain = toBeat >= goodLength ? maxChain >> 2 : maxChain
        chains.matches(
          at: position, longerThan: toBeat, chain: chain, nice: niceLength, into: &found)
        if let last = found.last, last.length == Self.minMatch && last.distance > tooFar {
          found.removeLast()
        }
        if let held = pending {
          if let better = found.last {
            // Longer here: the held position becomes a literal and this match waits in turn.
            tokens.append(.literal(input[position - 1]))
            pending = better
            position += 1
            continue
          }
          tokens.append(held.token)
          // The held match started at position - 1 and position is already in the chains.
          let end = position - 1 + held.length
          chains.insert(from: position + 1, to: end)
          position = end
          pending = nil
        } else if let match = found.last {
          if match.length >= maxLazy {
            tokens.append(match.token)
            chains.insert(from: position + 1, to: position + match.length)
            position += match.length
          } else {
            pending = match
            position += 1
          }
        } else {
          tokens.append(.literal(input[position]))
          position += 1
        }
      }
      if let held = pending { tokens.append(held.token) }
      return tokens
    }
  }

  /// A match found at some position: `length` bytes equal to those `distance` back.
  struct Match: Equatable {
    var length: Int
    var distance: Int

    var token: Token { Token(length: UInt16(length), distance: UInt16(distance)) }
  }

  /// The hash chains of LZ77 search: `head` holds the latest position for each hash of
  /// three bytes, and `previous` links each position to the one before it with that hash.
  struct HashChains {
    private static let hashBits = 15

    let input: [UInt8]
    private var head = [Int](repeating: -1, count: 1 << hashBits)
    private var previous: [Int]

    init(input: [UInt8]) {
      self.input = input
      previous = [Int](repeating: -1, count: input.count)
    }

    private func hash(_ position: Int) -> Int {
      let value =
        Int(input[position]) << 16 | Int(input[position + 1]) << 8 | Int(input[position + 2])
      // Multiplicative hashing spreads the 24 bits over the table's 15.
      return ((value &* 0x9E37_79B1) >> (32 - Self.hashBits)) & ((1 << Self.hashBits) - 1)
    }

    /// Adds `position` to its chain and returns the chain's previous head (or -1).
    @discardableResult
    mutating func insert(_ position: Int) -> Int {
      guard position + Matcher.minMatch <= input.count else { return -1 }
      let h = hash(position)
      let last = head[h]
      previous[position] = last
      head[h] = position
      return last
    }

    mutating func insert(from start: Int, to end: Int) {
      var position = start
      while position < end {
        insert(position)
        position += 1
      }
    }

    /// How many bytes from `earlier` and from `later` on are equal, at most `limit`; the
    /// caller keeps `later + limit` within the input. This loop is most of the time spent
    /// on repetitive input, and a buffer pointer makes it several times faster than the
    /// array in a debug build (its subscript is still bounds-checked there).
    private func commonLength(_ earlier: Int, _ later: Int, limit: Int) -> Int {
      input.withUnsafeBufferPointer { bytes in
        var length = 0
        while length < limit && bytes[earlier + length] == bytes[later + length] { length += 1 }
        return length
      }
    }

    /// Inserts `position`, then appends to `found` the matches there that are longer than
    /// `longerThan` and than each one before: nearest first, so each is the nearest of its
    /// length. The walk tries at most `chain` earlier positions and stops at length `nice`.
    mutating func matches(
      at position: Int, longerThan shortest: Int, chain: Int, nice: Int, into found: inout [Match]
    ) {
      var candidate = insert(position)
      let limit = min(Matcher.maxMatch, input.count - position)
      guard limit >= Matcher.minMatch, shortest < limit else { return }
      var best = max(shortest, Matcher.minMatch - 1)
      var tries = chain
      while candidate >= 0 && position - candidate <= Matcher.window && tries > 0 {
        // Checking the byte that would make the match longer first rejects most candidates.
        if input[candidate + best] == input[position + best] {
          let length = commonLength(candidate, position, limit: limit)
          if length > best {
            best = length
            found.append(Match(length: length, distance: position - candidate))
            if length >= min(limit, nice) { return }
          }
        }
        candidate = previous[candidate]
        tries -= 1
      }
    }
  }
}
