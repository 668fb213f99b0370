@testable import Spec

/// A spec text with the expected diagnostics marked where they point, swift-syntax style:
/// `⟪unknown-key⟫nme: x` expects an `unknown-key` at the line and column of `nme`.
///
/// Positions are computed here by plain counting (lines end at `\n`, columns count Unicode
/// scalars), independently of the code under test.
struct Marked {
  /// The text with the markers removed.
  var text: String
  /// `id@line:column`, in text order.
  var expected: [String]

  init(_ marked: String) {
    var text = ""
    var expected: [String] = []
    var line = 1
    var column = 1
    var rest = Substring(marked)
    while let scalar = rest.unicodeScalars.first {
      if scalar == "⟪", let close = rest.firstIndex(of: "⟫") {
        let id = rest[rest.index(after: rest.startIndex)..<close]
        expected.append("\(id)@\(line):\(column)")
        rest = rest[rest.index(after: close)...]
        continue
      }
      text.unicodeScalars.append(scalar)
      rest.unicodeScalars.removeFirst()
      if scalar == "\n" {
        line += 1
        column = 1
      } else if scalar != "\r" {
        column += 1
      }
    }
    self.text = text
    self.expected = expected
  }
}

/// `id@line:column` of each diagnostic (`id@-` without a position), in the order reported.
func found(_ diagnostics: Diagnostics) -> [String] {
  diagnostics.all.map { diagnostic in
    guard let range = diagnostic.range else { return "\(diagnostic.id)@-" }
    return "\(diagnostic.id)@\(range.start.line):\(range.start.column)"
  }
}

/// Loads `text` as a spec and gives what was found.
func load(_ text: String) -> (spec: NodeSpec?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  let spec = SpecLoader.load(SourceFile(path: "test.yaml", text: text), diagnostics: &diagnostics)
  return (spec, diagnostics)
}

/// Reads `bytes` with the YAML reader alone.
func read(
  _ bytes: [UInt8], limits: YAMLReader.Limits = YAMLReader.Limits()
) -> (node: YAMLNode?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  let node = YAMLReader.read(
    SourceFile(path: "test.yaml", bytes: bytes), limits: limits, diagnostics: &diagnostics)
  return (node, diagnostics)
}

func read(_ text: String) -> (node: YAMLNode?, diagnostics: Diagnostics) {
  read(Array(text.utf8))
}
