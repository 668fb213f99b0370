import Foundation
import Testing

@testable import Spec

/// The examples in `docs/spec.md` are part of the contract: each must decode cleanly.
@Suite struct DocumentationTests {
  static let specDocument = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("docs/spec.md")

  /// The fenced `yaml` blocks of the document.
  static func examples() throws -> [String] {
    let text = try String(contentsOf: specDocument, encoding: .utf8)
    var blocks: [String] = []
    var current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line == "```yaml" {
        current = []
      } else if let block = current, line == "```" {
        blocks.append(block.joined(separator: "\n") + "\n")
        current = nil
      } else {
        current?.append(line)
      }
    }
    return blocks
  }

  @Test func everyExampleDecodesWithoutDiagnostics() throws {
    let examples = try Self.examples()
    #expect(examples.count >= 3)
    for example in examples {
      let (spec, diagnostics) = load(example)
      #expect(spec != nil)
      #expect(found(diagnostics) == [], "\(example)")
    }
  }
}
