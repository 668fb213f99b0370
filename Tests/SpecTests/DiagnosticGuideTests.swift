import Foundation
import Testing

@testable import Spec

/// `docs/diagnostics.md` is the one source of what `nodespec explain` prints: the compiled-in
/// copy must be current, and every id the code reports must have an entry.
///
/// Re-record the copy after editing the page:
///     NODESPEC_RECORD=1 swift test --filter DiagnosticGuideTests
@Suite struct DiagnosticGuideTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let page = root.appendingPathComponent("docs/diagnostics.md")
  static let generated = root.appendingPathComponent("Sources/Spec/DiagnosticGuide+Text.swift")

  /// The page's entries: a `### \`id\`` heading and everything up to the next heading.
  static func entries() throws -> [DiagnosticGuide.Entry] {
    let text = try String(contentsOf: page, encoding: .utf8)
    var entries: [DiagnosticGuide.Entry] = []
    var id: String?
    var body: [Substring] = []
    func close() {
      guard let id else { return }
      while body.last?.allSatisfy(\.isWhitespace) == true { body.removeLast() }
      while body.first?.allSatisfy(\.isWhitespace) == true { body.removeFirst() }
      entries.append(.init(id: id, text: "\(id)\n\n" + body.joined(separator: "\n") + "\n"))
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("#") {
        close()
        id = nil
        body = []
        if line.hasPrefix("### `"), line.hasSuffix("`") {
          id = String(line.dropFirst(5).dropLast())
        }
      } else if id != nil {
        body.append(line)
      }
    }
    close()
    return entries
  }

  /// The Swift file that carries the entries into the binary.
  static func swiftSource(_ entries: [DiagnosticGuide.Entry]) -> String {
    var out = """
      // generated from docs/diagnostics.md by DiagnosticGuideTests, do not edit.
      // After editing the page: NODESPEC_RECORD=1 swift test --filter DiagnosticGuideTests

      extension DiagnosticGuide {
        static let entries: [Entry] = [

      """
    for entry in entries {
      // A raw string keeps backslashes and quotes as written; the text's lines are indented
      // to the closing delimiter's column, which Swift strips.
      let lines = entry.text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
      out += "    Entry(\n      id: \"\(entry.id)\",\n      text: #\"\"\"\n"
      out += lines.map { $0.isEmpty ? "\n" : "        \($0)\n" }.joined()
      out += "\n        \"\"\"#),\n"
    }
    out += "  ]\n}\n"
    return out
  }

  @Test func theCompiledInCopyIsCurrent() throws {
    let expected = Self.swiftSource(try Self.entries())
    if ProcessInfo.processInfo.environment["NODESPEC_RECORD"] == "1" {
      try expected.write(to: Self.generated, atomically: true, encoding: .utf8)
    }
    let current = try String(contentsOf: Self.generated, encoding: .utf8)
    #expect(
      current == expected,
      "docs/diagnostics.md changed: NODESPEC_RECORD=1 swift test --filter DiagnosticGuideTests")
    // What the binary holds is what the page says.
    #expect(DiagnosticGuide.entries == (try Self.entries()))
  }

  @Test func everyEntryHasAnExampleAndAFix() throws {
    let entries = try Self.entries()
    #expect(entries.count > 80)
    #expect(Set(entries.map(\.id)).count == entries.count, "an id has two entries")
    for entry in entries {
      #expect(entry.text.contains("\n    "), "`\(entry.id)` has no example (an indented block)")
      #expect(entry.text.contains("\nFix: "), "`\(entry.id)` has no `Fix:` paragraph")
    }
  }

  /// Where the code reports an id: the first argument of `.error(`/`.warning(`, an `id:`
  /// label (Diagnostic's initializer, tables), or an `else:` label (the decoder's checks).
  static let reportSite =
    #"(?:\.(?:error|warning|note)\(\s*|\bid:\s*|\belse:\s*)"([a-z0-9]+(?:-[a-z0-9]+)+)""#

  /// Every id reported in `Sources/`, with the file that reports it.
  static func reportedIDs() throws -> [String: String] {
    let sources = root.appendingPathComponent("Sources")
    var ids: [String: String] = [:]
    let pattern = try Regex(reportSite)
    let files =
      FileManager.default.enumerator(atPath: sources.path)?
      .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted() ?? []
    for file in files where !file.hasSuffix("DiagnosticGuide+Text.swift") {
      let text = try String(
        contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
      for match in text.matches(of: pattern) {
        if let id = match.output[1].substring, ids[String(id)] == nil {
          ids[String(id)] = "Sources/\(file)"
        }
      }
    }
    return ids
  }

  @Test func everyReportedIDIsDocumented() throws {
    let documented = Set(try Self.entries().map(\.id))
    let reported = try Self.reportedIDs()
    #expect(reported.count > 80)
    for (id, file) in reported.sorted(by: { $0.key < $1.key }) where !documented.contains(id) {
      let message =
        "`\(id)` (reported in \(file)) has no entry in docs/diagnostics.md: add one with an "
        + "example and the fix, then NODESPEC_RECORD=1 swift test --filter DiagnosticGuideTests"
      Issue.record(Comment(rawValue: message))
    }
  }

  @Test func everyDocumentedIDIsReported() throws {
    let reported = try Self.reportedIDs()
    for entry in try Self.entries() where reported[entry.id] == nil {
      Issue.record(
        Comment(
          rawValue: "`\(entry.id)` is documented in docs/diagnostics.md but nothing reports it"))
    }
  }
}
