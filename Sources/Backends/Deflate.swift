/// RFC 1951 DEFLATE in pure Swift, for the cloud-init backend's `gz+b64` files (see
/// `CloudInitBackend.Gzip`): Foundation on Linux has no gzip, and only the Spec module may
/// import C. One type per step: `Matcher` turns the input into LZ77 tokens (through
/// `HashChains`), `OptimalParser` re-parses them by bit cost, and `BlockEncoder` writes runs
/// of tokens as blocks, building a `HuffmanCode` for each, through a `BitWriter`.
///
/// Size matters, since every byte saved is a byte of EC2's 16 KB user-data: on the plans'
/// scripts it comes out about 2% smaller than `gzip -9`. It is deterministic (the output depends
/// on the input alone, integer arithmetic throughout), and its time is bounded: chain walks
/// are cut short, and only inputs up to 64 KB get the costlier parse.
enum Deflate {
  /// At most this many tokens share one block, and so one pair of Huffman codes: a new block
  /// adapts the codes to a change in the data, for the price of its header. zlib's default
  /// buffer (memLevel 8) holds as many.
  static let maxBlockTokens = 16_383

  /// `input` as a raw DEFLATE stream (no zlib or gzip framing).
  static func compress(
    _ input: [UInt8], matcher: Matcher = Matcher(), parser: OptimalParser? = OptimalParser()
  ) -> [UInt8] {
    let lazy = matcher.tokens(input)
    let tokens = parser?.tokens(input, improving: lazy) ?? lazy
    var bits = BitWriter()
    var tokenStart = 0
    var byteStart = 0
    // An empty input still needs one (final) block.
    repeat {
      let tokenEnd = min(tokenStart + maxBlockTokens, tokens.count)
      let block = tokens[tokenStart..<tokenEnd]
      let byteEnd = byteStart + block.reduce(0) { $0 + $1.inputLength }
      BlockEncoder(tokens: block, raw: input[byteStart..<byteEnd])
        .write(to: &bits, isFinal: tokenEnd == tokens.count)
      tokenStart = tokenEnd
      byteStart = byteEnd
    } while tokenStart < tokens.count
    return bits.finish()
  }
}
