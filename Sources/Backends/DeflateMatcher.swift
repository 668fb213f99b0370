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

    private static let hashBits = 15

    /// The tokens that spell `input`.
    func tokens(_ input: [UInt8]) -> [Token] {
      var search = Search(input: input, matcher: self)
      var tokens: [Token] = []
      var position = 0
      // A match found at position - 1, held back to see whether position does better.
      var pending: (length: Int, distance: Int)?
      while position < input.count {
        let found = search.longestMatch(at: position, toBeat: pending?.length ?? Self.minMatch - 1)
        if let held = pending {
          if let found {
            // Longer here: the held position becomes a literal and this match waits in turn.
            tokens.append(.literal(input[position - 1]))
            pending = found
            position += 1
            continue
          }
          tokens.append(Token(length: UInt16(held.length), distance: UInt16(held.distance)))
          // The held match started at position - 1 and position is already in the chains.
          let end = position - 1 + held.length
          search.insert(from: position + 1, to: end)
          position = end
          pending = nil
        } else if let found {
          if found.length >= maxLazy {
            tokens.append(Token(length: UInt16(found.length), distance: UInt16(found.distance)))
            search.insert(from: position + 1, to: position + found.length)
            position += found.length
          } else {
            pending = found
            position += 1
          }
        } else {
          tokens.append(.literal(input[position]))
          position += 1
        }
      }
      if let held = pending {
        tokens.append(Token(length: UInt16(held.length), distance: UInt16(held.distance)))
      }
      return tokens
    }

    /// The hash chains: `head` holds the latest position for each hash of three bytes and
    /// `previous` links each position to the one before it with the same hash.
    private struct Search {
      let input: [UInt8]
      let matcher: Matcher
      var head = [Int](repeating: -1, count: 1 << Matcher.hashBits)
      var previous: [Int]

      init(input: [UInt8], matcher: Matcher) {
        self.input = input
        self.matcher = matcher
        previous = [Int](repeating: -1, count: input.count)
      }

      private func hash(_ position: Int) -> Int {
        let value =
          Int(input[position]) << 16 | Int(input[position + 1]) << 8 | Int(input[position + 2])
        // Multiplicative hashing spreads the 24 bits over the table's 15.
        return ((value &* 0x9E37_79B1) >> (32 - Matcher.hashBits)) & ((1 << Matcher.hashBits) - 1)
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

      /// Inserts `position`, then returns the longest earlier match there if it is longer
      /// than `toBeat` (the nearest of equal length, since the chain runs newest first).
      mutating func longestMatch(at position: Int, toBeat: Int) -> (length: Int, distance: Int)? {
        var candidate = insert(position)
        let limit = min(Matcher.maxMatch, input.count - position)
        guard limit >= Matcher.minMatch, toBeat < limit else { return nil }
        var bestLength = toBeat
        var bestDistance = 0
        var chain = toBeat >= matcher.goodLength ? matcher.maxChain >> 2 : matcher.maxChain
        while candidate >= 0 && position - candidate <= Matcher.window && chain > 0 {
          // Checking the byte that would make the match longer first rejects most candidates.
          if input[candidate + bestLength] == input[position + bestLength] {
            var length = 0
            while length < limit && input[candidate + length] == input[position + length] {
              length += 1
            }
            if length > bestLength {
              bestLength = length
              bestDistance = position - candidate
              if length >= min(limit, matcher.niceLength) { break }
            }
          }
          candidate = previous[candidate]
          chain -= 1
        }
        guard bestDistance > 0 else { return nil }
        if bestLength == Matcher.minMatch && bestDistance > matcher.tooFar { return nil }
        return (bestLength, bestDistance)
      }
    }
  }
}
