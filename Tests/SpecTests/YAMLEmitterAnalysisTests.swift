import Testing

@testable import Spec

/// `YAMLEmitter.Analysis` reads most bytes eight at a time (performance.md, "The emitter and the
/// writer (fifth round)"): its flags are compared here with those of the byte-at-a-time analysis
/// it replaced, kept below word for word as the reference, over many generated texts: words,
/// sentences, files with indentation, Jinja, every byte value at every place and at every
/// offset in an eight-byte word, line breaks of every kind, invalid and non-BMP UTF-8.
@Suite struct YAMLEmitterAnalysisTests {
  /// The flags of both analyses, equal or not, for one text (the flow indicators are looked
  /// for only when asked, by `plainInFlow`).
  static func flags(_ bytes: [UInt8]) -> (new: [Bool], old: [Bool]) {
    bytes.withUnsafeBufferPointer { buffer in
      let new = YAMLEmitter.Analysis(buffer)
      let old = Reference.YAMLEmitter.Analysis(buffer)
      return (
        [
          new.isEmpty, new.multiline, new.plainInFlow(buffer), new.blockPlain,
          new.singleQuoted, new.literal,
        ],
        [
          old.isEmpty, old.multiline, old.flowPlain, old.blockPlain, old.singleQuoted,
          old.literal,
        ]
      )
    }
  }

  static func expectSameFlags(_ texts: [[UInt8]]) -> Int {
    var failures = 0
    for text in texts {
      let (new, old) = flags(text)
      if new != old {
        failures += 1
        if failures <= 20 {
          Issue.record("\(text) \(String(decoding: text, as: UTF8.self).debugDescription): \(new) != \(old)")
        }
      }
    }
    return failures
  }

  /// Pieces the backends' texts are made of, and the bytes that change a flag.
  static let pieces: [String] = [
    "", "a", "name", "ansible.builtin.file", "/etc/containerd/config.toml", "0644", "-", "--",
    "---", "...", ".", "?", ":", "#", " ", "  ", "\n", "\n  ", "\n\n", "\t", "\r", "\r\n",
    "\u{85}", "\u{2028}", "\u{2029}", "\u{A0}", "\u{FEFF}", "\u{FFFE}", "\u{1F600}", "é", "日本",
    "{{ item.path }}", "{%", "%}", "[", "]", "{", "}", ",", "'", "\"", "\\", "!", "&", "*", "|",
    ">", "%", "@", "`", "a: b", "a #b", "x=1", "- x", "? y", ": z", "key = \"value\"",
  ]

  /// Texts the backends write: keys and module names, paths, sentences, files with
  /// indentation, shell lines and Jinja templates.
  static let realistic: [String] = [
    "name", "ansible.builtin.get_url", "/usr/local/bin/containerd", "state", "present",
    "Install containerd 2.0.4 from its release archive", "writeup-all",
    "{{ nodespec_manifest_read.content | default('') | b64decode }}",
    "{{ (nodespec_manifest_read.content | default('') | b64decode).splitlines()\n  | reject('match', '#') | map('split', nodespec_tab) | list }}",
    "version = 3\n\n[plugins.\"io.containerd.cri.v1.images\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n",
    "server = \"https://registry-1.docker.io\"\n\n[host.\"https://mirror.gcr.io\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
    "[Unit]\nDescription=containerd container runtime\nAfter=network.target local-fs.target\n\n[Service]\nExecStart=/usr/local/bin/containerd\n",
    "nodespec_drifted is defined and (nodespec_drifted | length) > 0", "a sentence. ",
    "overlay\nbr_netfilter\n", "net.ipv4.ip_forward = 1\n", "sha256:0123456789abcdef",
    "https://github.com/containerd/containerd/releases/download/v2.0.4/containerd-2.0.4-linux-amd64.tar.gz",
    "  leading", "trailing  ", "line \nbreak", "line\n break", "# a comment\nkey: value\n",
    "echo \"$HOME\" # not a comment", "x: {a: [1, 2]}", "when: x is defined", "a\tb\n\tc\n",
  ]

  @Test func realisticTextsAndPairsAndTriplesOfPieces() {
    var texts = (Self.realistic + Self.pieces).map { Array($0.utf8) }
    for a in Self.pieces {
      for b in Self.pieces {
        texts.append(Array((a + b).utf8))
        for c in ["", "x", " ", "\n", ":", "#", "{"] { texts.append(Array((a + c + b).utf8)) }
      }
    }
    for text in Self.realistic {
      // Every prefix and suffix: each byte of a real text at the start and at the end.
      let bytes = Array(text.utf8)
      for cut in 0...bytes.count {
        texts.append(Array(bytes[..<cut]))
        texts.append(Array(bytes[cut...]))
      }
    }
    #expect(texts.count > 20_000)
    #expect(Self.expectSameFlags(texts) == 0)
  }

  /// Every byte value (ASCII, continuation bytes, lead bytes without their continuation)
  /// alone, first, last, between spaces or line breaks, and at each offset of the eight-byte
  /// words in a long quiet text, so each lane of the word-at-a-time test meets it.
  @Test func everyByteAtEveryPlaceAndOffset() {
    var texts: [[UInt8]] = []
    let quiet = Array("abcdefghijklmnopqrstuvwxyz-[x]".utf8)
    for byte in UInt8.min...UInt8.max {
      for (before, after) in [
        ([], []), ([], [0x78]), ([0x78], []), ([0x61], [0x62]), ([0x61, 0x20], [0x20, 0x62]),
        ([0x0A], [0x20]), ([0x20], [0x0A]), ([0x2D], [0x20]), ([0x3F], [0x78]),
      ] as [([UInt8], [UInt8])] {
        texts.append(before + [byte] + after)
      }
      for offset in 0..<quiet.count {
        var text = quiet
        text.insert(byte, at: offset)
        texts.append(text)
        text[offset == 0 ? 1 : offset - 1] = 0x20
        texts.append(text)
        texts.append(Array(quiet[..<offset]) + [byte])
      }
      // A lead byte followed by quiet bytes a character step skips, flow indicators among them.
      texts.append([0x61, byte, 0x5B, 0x7B] + quiet)
      texts.append([0x61, 0x62, 0x63, 0x64, 0x65, byte, 0x2C, 0x3F, 0x5D, 0x61, 0x62, 0x63])
    }
    #expect(Self.expectSameFlags(texts) == 0)
  }

  /// Random texts, mostly quiet bytes with the others mixed in, of every length to 40: a
  /// fixed seed, so a failure repeats.
  @Test func randomTexts() {
    var random = SpecFuzzTests.Random(state: 14)
    let alphabet: [[UInt8]] =
      (Array("abcdefghijklmnopqrstuvwxyz0123456789_/.-=\"'(){}[],?!&*|>%@` ".utf8) + [0x0A, 0x0A]).map { [$0] }
      + ["  ", "\n    ", ":", ": ", " #", "#", "\t", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}",
        "\u{A0}", "\u{FEFF}", "\u{FFFF}", "\u{1F600}", "é", "{{ ", " }}", "---", "..."].map { Array($0.utf8) }
      + [[0x80], [0xE2], [0xE2, 0x80], [0xC2], [0xED, 0xA0, 0x80], [0xF8], [0x00], [0x7F], [0x1B]]
    var texts: [[UInt8]] = []
    for length in 0...40 {
      for _ in 0..<600 {
        var text: [UInt8] = []
        while text.count < length {
          // Two pieces in three are plain letters: long quiet runs, as in real texts.
          if random.next() % 3 != 0 {
            text.append(UInt8(ascii: "a") + UInt8(random.next() % 26))
          } else {
            text += alphabet[Int(random.next() % UInt64(alphabet.count))]
          }
        }
        texts.append(text)
      }
    }
    #expect(Self.expectSameFlags(texts) == 0)
  }
}

private let newline = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")

/// The analysis as it was before the fifth round, word for word (its `style(for:)`, unchanged,
/// left out), with the helpers and the table it read.
private enum Reference {
  enum YAMLEmitter {
      /// What a scalar's text allows, found in one pass over its bytes: libyaml's
      /// `yaml_emitter_analyze_scalar`, with the stricter rules `YAMLEmitter` describes.
      struct Analysis {
        var isEmpty = false
        var multiline = false
        var flowPlain = true
        var blockPlain = true
        var singleQuoted = true
        var literal = true

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
          let count = bytes.count
          guard count > 0 else {
            isEmpty = true
            flowPlain = false
            literal = false
            return
          }
          // A word (keys, module names, paths, states) allows every style: nothing to find.
          let kinds = YAMLEmitter.byteKinds
          if kinds[Int(bytes[0])] & ByteKind.wordStart != 0 {
            var index = 1
            while index < count && kinds[Int(bytes[index])] & ByteKind.word != 0 { index += 1 }
            if index == count { return }
          }
          var blockIndicators = false
          var flowIndicators = false
          var special = false
          var otherBreak = false
          var leadingSpace = false
          var leadingBreak = false
          var trailingSpace = false
          var trailingBreak = false
          var breakSpace = false
          var spaceBreak = false
          var previousSpace = false
          var previousBreak = false
          var precededByWhitespace = true

          if count >= 3, bytes[0] == bytes[1], bytes[1] == bytes[2],
            bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: ".")
          {
            blockIndicators = true
            flowIndicators = true
          }
          var index = 0
          while index < count {
            // Most bytes are letters, digits and punctuation that matter nowhere but at the start,
            // or only inside `[...]` and `{...}` (a Jinja template's braces and brackets). Spaces
            // between two such bytes (words of a sentence) start or end nothing and precede no
            // `#`; a line feed between them, maybe followed by spaces (the next line of a file
            // and its indentation), only makes the text multi-line, a space after a break.
            if index > 0 {
              var end = index
              var seen: UInt8 = 0
              while end < count {
                let byte = bytes[end]
                let kind = kinds[Int(byte)]
                if kind & ByteKind.inner != 0 {
                  seen |= kind
                  end += 1
                  continue
                }
                guard end > index, byte == space || byte == newline else { break }
                let spaces = byte == newline ? end + 1 : end
                var next = spaces
                while next < count && bytes[next] == space { next += 1 }
                guard next < count, kinds[Int(bytes[next])] & ByteKind.inner != 0 else { break }
                if byte == newline {
                  multiline = true
                  if next > spaces { breakSpace = true }
                }
                end = next
              }
              if seen & ByteKind.flowIndicator != 0 { flowIndicators = true }
              if end > index {
                previousSpace = false
                previousBreak = false
                precededByWhitespace = false
                index = end
                continue
              }
            }
            let byte = bytes[index]
            let kind = kinds[Int(byte)]
            let width = YAMLEmitter.width(of: byte)
            let next = index + width
            let followedByWhitespace = next >= count || YAMLEmitter.isBlankOrBreak(bytes, at: next)
            if index == 0 {
              if kind & ByteKind.leadingIndicator != 0 {
                flowIndicators = true
                blockIndicators = true
              }
              if byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":") {
                flowIndicators = true
                if followedByWhitespace { blockIndicators = true }
              }
              if byte == UInt8(ascii: "-") && followedByWhitespace {
                flowIndicators = true
                blockIndicators = true
              }
            } else {
              if kind & ByteKind.flowIndicator != 0 { flowIndicators = true }
              if byte == UInt8(ascii: ":") {
                flowIndicators = true
                if followedByWhitespace { blockIndicators = true }
              }
              if byte == UInt8(ascii: "#") && precededByWhitespace {
                flowIndicators = true
                blockIndicators = true
              }
            }
            if !YAMLEmitter.isPrintable(bytes, at: index) { special = true }
            let isBreak = YAMLEmitter.isBreak(bytes, at: index)
            if isBreak {
              multiline = true
              if byte != newline { otherBreak = true }
            }
            if byte == space {
              if index == 0 { leadingSpace = true }
              if next == count { trailingSpace = true }
              if previousBreak { breakSpace = true }
              previousSpace = true
              previousBreak = false
            } else if isBreak {
              if index == 0 { leadingBreak = true }
              if next == count { trailingBreak = true }
              if previousSpace { spaceBreak = true }
              previousSpace = false
              previousBreak = true
            } else {
              previousSpace = false
              previousBreak = false
            }
            precededByWhitespace = YAMLEmitter.isBlankOrBreak(bytes, at: index)
            index = next
          }

          if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
            flowPlain = false
            blockPlain = false
          }
          if trailingSpace { literal = false }
          if breakSpace {
            flowPlain = false
            blockPlain = false
            singleQuoted = false
          }
          // A space before a line break: yamllint's trailing-spaces in a block; in any style,
          // control characters other than the line feed and tab have to be escaped.
          if spaceBreak || special {
            flowPlain = false
            blockPlain = false
            singleQuoted = false
            literal = false
          }
          if multiline {
            flowPlain = false
            blockPlain = false
            // Stricter than libyaml: a multi-line quoted scalar is folded by the reader.
            singleQuoted = false
          }
          if otherBreak { literal = false }
          if flowIndicators { flowPlain = false }
          if blockIndicators { blockPlain = false }
        }
      }

      /// Bit flags per byte value, for the indicator checks.
      enum ByteKind {
        /// Not plain at the start of a scalar: `# , [ ] { } & * ! | > ' " % @ ``.
        static let leadingIndicator: UInt8 = 1
        /// Not plain anywhere inside `[...]` or `{...}`: `, ? [ ] { }`.
        static let flowIndicator: UInt8 = 2
        /// Printable ASCII that changes nothing past a scalar's first byte: not a space, `:`, `#`
        /// or a flow indicator.
        static let ordinary: UInt8 = 4
        /// What past a scalar's first byte changes at most whether it can be plain in flow.
        static let inner: UInt8 = ordinary | flowIndicator
        /// ASCII letters and digits, `_` and `/`: no indicator at a scalar's start.
        static let wordStart: UInt8 = 8
        /// The word bytes and `-`, `.`: a scalar of these after a `wordStart` is plain anywhere.
        static let word: UInt8 = 16
      }

      static let byteKinds: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in "#,[]{}&*!|>'\"%@`".utf8 { table[Int(byte)] |= ByteKind.leadingIndicator }
        for byte in ",?[]{}".utf8 { table[Int(byte)] |= ByteKind.flowIndicator }
        for byte in UInt8(0x21)...0x7E where !",?[]{}:#".utf8.contains(byte) {
          table[Int(byte)] |= ByteKind.ordinary
        }
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/"
        for byte in letters.utf8 { table[Int(byte)] |= ByteKind.wordStart | ByteKind.word }
        for byte in "-.".utf8 { table[Int(byte)] |= ByteKind.word }
        return table
      }()

      /// The length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
      @inline(__always)
      static func width(of byte: UInt8) -> Int {
        if byte < 0x80 { return 1 }
        if byte & 0xE0 == 0xC0 { return 2 }
        if byte & 0xF0 == 0xE0 { return 3 }
        if byte & 0xF8 == 0xF0 { return 4 }
        return 1
      }

      @inline(__always)
      static func byteAt(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt8 {
        index < bytes.count ? bytes[index] : 0
      }

      /// `\n`, `\r`, NEL (U+0085), LS (U+2028) or PS (U+2029): YAML 1.1's line breaks.
      @inline(__always)
      static func isBreak(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        switch bytes[index] {
        case newline, carriageReturn: true
        case 0xC2: byteAt(bytes, index + 1) == 0x85
        case 0xE2: byteAt(bytes, index + 1) == 0x80 && byteAt(bytes, index + 2) & 0xFE == 0xA8
        default: false
        }
      }

      /// A space, a tab, a line break, or the end (NUL, as libyaml sees its C string).
      @inline(__always)
      static func isBlankOrBreak(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = bytes[index]
        return byte == space || byte == UInt8(ascii: "\t") || byte == 0 || isBreak(bytes, at: index)
      }

      /// libyaml's `IS_PRINTABLE`: the line feed, printable ASCII, and the characters of the
      /// Basic Multilingual Plane from U+00A0 on, except the surrogates, the byte order mark,
      /// U+FFFE and U+FFFF. Characters beyond U+FFFF count as not printable (they are escaped).
      @inline(__always)
      static func isPrintable(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = bytes[index]
        switch byte {
        case newline, 0x20...0x7E: return true
        case 0xC2: return byteAt(bytes, index + 1) >= 0xA0
        case 0xC3..<0xED, 0xEE: return true
        case 0xED: return byteAt(bytes, index + 1) < 0xA0
        case 0xEF:
          let (second, third) = (byteAt(bytes, index + 1), byteAt(bytes, index + 2))
          return !(second == 0xBB && third == 0xBF) && !(second == 0xBF && third >= 0xBE)
        default: return false
        }
      }
  }
}
