/// RFC 1951 DEFLATE in pure Swift, for the cloud-init backend's `gz+b64` files (see
/// `CloudInitBackend.Gzip`): Foundation on Linux has no gzip, and only the Spec module may
/// import C. One type per step: `Matcher` turns the input into LZ77 tokens, `BlockEncoder`
/// writes runs of tokens as blocks (building a `HuffmanCode` for each), through a `BitWriter`.
///
/// It aims at what `gzip -9` does, because every byte saved is a byte of EC2's 16 KB
/// user-data, and it is deterministic: the output depends on the input alone.
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
