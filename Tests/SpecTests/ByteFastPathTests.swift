import Testing

@testable import Spec

/// The host check without an array of labels and the URL secret finder without a property
/// lookup per ASCII scalar (performance.md, "Reading and compiling the spec (fourth round)"),
/// each compared with the code it replaced, kept below, over thousands of generated inputs.
@Suite struct SpecByteFastPathTests {
  /// Every string of up to three pieces from a set that covers labels, numbers, dots, ports,
  /// brackets and what is not allowed.
  static let hosts: [String] = {
    let pieces = [
      "", "a", "A-b", "-a", "a-", "0", "00", "1", "255", "256", "010", "example", ".", "..",
      ":", ":5000", ":0", ":65536", "[", "]", "[::1]", "_", "\u{E9}",
      String(repeating: "x", count: 63), String(repeating: "y", count: 64),
    ]
    var result: [String] = []
    for a in pieces {
      for b in pieces {
        result.append(a + "." + b)
        for c in pieces { result.append(a + b + c) }
      }
    }
    result += ["1.2.3.4", "1.2.3.4:80", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.1.2.3", "1.2.3.a"]
    return result
  }()

  @Test func registryNamesAreTheSplitVersions() {
    for host in Self.hosts {
      #expect(
        SpecGrammar.isRegistryName(host) == Reference.isHostPort(Array(host.utf8)[...]),
        "\(host)")
    }
  }

  @Test func secretsAreThePropertyVersions() {
    // Every ASCII scalar and a few non-ASCII ones (white space among them) at the places of
    // a URL's authority where they matter.
    var scalars = (0..<128).compactMap(Unicode.Scalar.init)
    scalars += ["\u{85}", "\u{A0}", "\u{2003}", "\u{3000}", "\u{E9}", "\u{FEFF}"]
    for scalar in scalars {
      let s = String(scalar)
      for text in [
        "https://u\(s)ser:pass@h/", "https://user:pa\(s)ss@h", "x \(s)https://tok\(s)en@host",
        "u\(s)ser:pw@host/p", "https://\(s)@h", "see https://a:b@c\(s)d@e and http://t@u",
      ] {
        for bare in [false, true] {
          #expect(
            URLCredentials.secrets(in: text.unicodeScalars, bare: bare)
              == Reference.secrets(in: text.unicodeScalars, bare: bare),
            "\(text.debugDescription) \(bare)")
        }
      }
    }
  }
}

/// The code before the change, word for word.
private enum Reference {
  static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }
  static func isDigit(_ byte: UInt8) -> Bool { 0x30...0x39 ~= byte }
  static func isLetter(_ byte: UInt8) -> Bool { 0x41...0x5a ~= byte || 0x61...0x7a ~= byte }
  static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
  static func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || 0x41...0x46 ~= byte || 0x61...0x66 ~= byte
  }

  static func isHostPort(_ text: ArraySlice<UInt8>) -> Bool {
    var host = text
    var port: ArraySlice<UInt8>?
    let bracketed = text.first == ascii("[")
    if bracketed {
      guard let close = text.firstIndex(of: ascii("]")) else { return false }
      let inside = text[(text.startIndex + 1)..<close]
      guard !inside.isEmpty,
        inside.allSatisfy({ isHexDigit($0) || $0 == ascii(":") || $0 == ascii(".") })
      else {
        return false
      }
      let after = text[(close + 1)...]
      if !after.isEmpty {
        guard after.first == ascii(":") else { return false }
        port = after.dropFirst()
      }
    } else if let colon = text.lastIndex(of: ascii(":")) {
      host = text[..<colon]
      port = text[(colon + 1)...]
    }
    if let port, !isPort(port) { return false }
    if bracketed { return true }
    guard (1...253).contains(host.count) else { return false }
    let labels = host.split(separator: ascii("."), omittingEmptySubsequences: false)
    if let last = labels.last, last.allSatisfy(isDigit) {
      return labels.count == 4 && labels.allSatisfy(isOctet)
    }
    return labels.allSatisfy { label in
      (1...63).contains(label.count) && label.first != ascii("-") && label.last != ascii("-")
        && label.allSatisfy { isAlphanumeric($0) || $0 == ascii("-") }
    }
  }

  static func isOctet(_ text: ArraySlice<UInt8>) -> Bool {
    guard (1...3).contains(text.count), text.allSatisfy(isDigit) else { return false }
    guard text.count == 1 || text.first != ascii("0") else { return false }
    return text.reduce(0) { $0 * 10 + Int($1 - ascii("0")) } <= 255
  }

  static func isPort(_ text: ArraySlice<UInt8>) -> Bool {
    guard !text.isEmpty else { return false }
    var value = 0
    for byte in text {
      guard isDigit(byte) else { return false }
      value = value * 10 + Int(byte - ascii("0"))
      if value > 65535 { return false }
    }
    return value >= 1
  }

  static func secrets(
    in text: String.UnicodeScalarView, limit: Int = .max, bare: Bool = false
  ) -> [Range<Int>] {
    var found: [Range<Int>] = []
    var start: Int? = bare ? 0 : nil
    var colon: Int?
    var at: Int?
    var previous: (Unicode.Scalar, Unicode.Scalar) = (" ", " ")
    func close() {
      if let begin = start, let at {
        let secret = colon.map { $0 < at ? ($0 + 1)..<at : begin..<at } ?? begin..<at
        if !secret.isEmpty { found.append(secret) }
      }
      (start, colon, at) = (nil, nil, nil)
    }
    var offset = 0
    for scalar in text {
      if start != nil {
        if isAuthorityEnd(scalar) {
          close()
        } else if scalar == "@" {
          at = offset
        } else if scalar == ":", colon == nil {
          colon = offset
        }
      } else if offset >= limit {
        break
      }
      if start == nil, scalar == "/", previous == (":", "/") { start = offset + 1 }
      previous = (previous.1, scalar)
      offset += 1
    }
    close()
    return found
  }

  static func isAuthorityEnd(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "/", "?", "#", "\"", "'", "<", ">", "`", "\\", ",", "{", "}": true
    default: scalar.properties.isWhitespace || scalar.value < 0x20
    }
  }
}
