extension Deflate {
  /// A cost-based LZ77 parse, the idea of zopfli: given what each literal, length and
  /// distance costs in bits, the cheapest way to spell the input is a shortest path over its
  /// positions. Lazy matching only looks one position ahead and takes the longest match;
  /// this can take a shorter match, or a nearer one, when that is cheaper overall.
  ///
  /// The costs are the code lengths of the Huffman codes the previous parse would get,
  /// starting from the lazy matcher's; each pass is kept only if its block is smaller, so
  /// the result is never worse than the lazy parse. All costs are whole bits, so the
  /// outcome does not depend on floating point.
  struct OptimalParser {
    /// Inputs longer than this keep the lazy parse: a pass tries up to `everyLengthUpTo`
    /// lengths at each position, on top of finding all its matches once, which a large
    /// input should not pay for. A plan's apply script is 10 to 40 KB.
    var maxInput = 64 * 1024
    /// At most this many passes; they stop as soon as one does not shrink the output.
    var maxPasses = 4
    /// Every match length up to this is a path of its own; past it, only each match's full
    /// length is. Trying all 258 lengths at every position of a long run is most of the
    /// parse's time there, while on the plans' scripts the shortcut costs a byte at most.
    var everyLengthUpTo = 64
    /// How many earlier positions are tried for matches, as `Matcher.maxChain`.
    var maxChain = 256

    /// Tokens for `input` that are no larger than `lazy`, its lazy parse.
    func tokens(_ input: [UInt8], improving lazy: [Token]) -> [Token] {
      guard input.count <= maxInput, !input.isEmpty else { return lazy }
      let candidates = Candidates(input, maxChain: maxChain)
      var best = lazy
      var bestBits = BlockEncoder(tokens: lazy[...], raw: input[...]).bitCount()
      for _ in 0..<maxPasses {
        let tokens = parse(input, candidates, Costs(BlockEncoder(tokens: best[...], raw: [])))
        let bits = BlockEncoder(tokens: tokens[...], raw: input[...]).bitCount()
        // The costs of a pass come from the tokens of the one before, so once a pass gains
        // nothing the parse has settled; on shell text that is after two or three.
        guard bits < bestBits else { break }
        best = tokens
        bestBits = bits
      }
      return best
    }

    /// The cheapest tokens under `costs`: `cost[i]` is the fewest bits that spell the first
    /// `i` bytes, reached from some `j < i` by a literal or a match; positions go in order,
    /// so each is final before it is extended. (Past `everyLengthUpTo`, a match is only
    /// tried at its full length.)
    private func parse(_ input: [UInt8], _ candidates: Candidates, _ costs: Costs) -> [Token] {
      let count = input.count
      var cost = [Int](repeating: .max, count: count + 1)
      // How each position was reached: a length of 1 and distance 0 for a literal.
      var step = [Match](repeating: Match(length: 1, distance: 0), count: count + 1)
      cost[0] = 0
      for position in 0..<count {
        let here = cost[position]
        let literal = here + costs.literal[Int(input[position])]
        if literal < cost[position + 1] {
          cost[position + 1] = literal
          step[position + 1] = Match(length: 1, distance: 0)
        }
        // The matches come nearest first and each longer than the last, so each length is
        // reached at the nearest distance that has it.
        var length = Matcher.minMatch
        for match in candidates.at(position) {
          let base = here + costs.distance[BlockEncoder.distanceSymbol(match.distance)]
          while length <= match.length {
            let total = base + costs.length[length]
            if total < cost[position + length] {
              cost[position + length] = total
              step[position + length] = Match(length: length, distance: match.distance)
            }
            length = length >= everyLengthUpTo && length < match.length ? match.length : length + 1
          }
        }
      }
      var tokens: [Token] = []
      var position = count
      while position > 0 {
        let last = step[position]
        position -= last.length
        tokens.append(last.distance == 0 ? .literal(input[position]) : last.token)
      }
      return tokens.reversed()
    }

    /// Every position's matches, found once and shared by all passes.
    private struct Candidates {
      private var matches: [Match] = []
      /// `matches[starts[i]..<starts[i + 1]]` are position i's.
      private var starts: [Int] = []

      init(_ input: [UInt8], maxChain: Int) {
        var chains = HashChains(input: input)
        starts.reserveCapacity(input.count + 1)
        for position in input.indices {
          starts.append(matches.count)
          chains.matches(
            at: position, longerThan: Matcher.minMatch - 1, chain: maxChain,
            nice: Matcher.maxMatch, into: &matches)
        }
        starts.append(matches.count)
      }

      func at(_ position: Int) -> ArraySlice<Match> {
        matches[starts[position]..<starts[position + 1]]
      }
    }

    /// Bits per literal, per match length and per distance symbol, extra bits included.
    private struct Costs {
      var literal: [Int]
      /// Indexed by the match length, 0...258.
      var length: [Int]
      var distance: [Int]

      init(_ block: BlockEncoder) {
        let code = DynamicHeader(
          literals: block.literalFrequencies, distances: block.distanceFrequencies)
        // A symbol the previous parse did not use has no code yet; price it one bit above
        // the longest, so it is taken only where it saves more than that.
        func priced(_ lengths: [Int]) -> [Int] {
          let unused = (lengths.max() ?? 0) + 1
          return lengths.map { $0 == 0 ? unused : $0 }
        }
        let literals = priced(code.literalLength.lengths)
        literal = Array(literals.prefix(256))
        length = (0...Matcher.maxMatch).map { length in
          let symbol = BlockEncoder.lengthSymbol(length)
          return literals[257 + symbol] + BlockEncoder.lengthExtra[symbol]
        }
        distance = priced(code.distance.lengths).enumerated().map { symbol, bits in
          bits + BlockEncoder.distanceExtra[symbol]
        }
      }
    }
  }
}
