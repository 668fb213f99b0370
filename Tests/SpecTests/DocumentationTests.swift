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

  /// The ids in the diagnostics tables: rows like "| `unknown-key` | error | …".
  static func documentedIDs() throws -> Set<String> {
    let text = try String(contentsOf: specDocument, encoding: .utf8)
    let rows = text.split(separator: "\n").filter {
      $0.hasPrefix("| `") && ($0.contains("| error") || $0.contains("| warning |"))
    }
    return Set(rows.compactMap { $0.split(separator: "`").dropFirst().first.map(String.init) })
  }

  /// Every kebab-case string literal in the reader and decoder: the ids they can report, and
  /// the few spec words that look like ids.
  static func idsInSources() throws -> Set<String> {
    let folder = specDocument.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Sources/Spec")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasPrefix("YAMLReader") || $0.hasPrefix("SpecDecoder") || $0.hasPrefix("SpecLoader")
    }
    var ids: Set<String> = []
    let pattern = try Regex(#""([a-z0-9]+(?:-[a-z0-9]+)+)""#)
    for file in files {
      let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      for match in text.matches(of: pattern) {
        if let id = match.output[1].substring { ids.insert(String(id)) }
      }
    }
    return ids.subtracting(["nerdctl-full", "proxy-authorization"])
  }

  @Test func diagnosticTablesListExactlyTheIDsReported() throws {
    let documented = try Self.documentedIDs()
    let reported = try Self.idsInSources()
    #expect(documented.count > 30)
    #expect(reported.subtracting(documented).sorted() == [], "reported but not documented")
    #expect(documented.subtracting(reported).sorted() == [], "documented but never reported")
  }
}
