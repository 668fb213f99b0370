import ArgumentParser
import Spec

struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Say what a diagnostic means, with an example and the fix.",
    discussion: """
      ID is the word in a diagnostic's brackets, as in `node.yaml:4:3: error: ... \
      [unknown-key]`. Without an ID, every id is listed. The same text is in \
      docs/diagnostics.md.

      \(Exit.help)
      """)

  @Argument(help: "A diagnostic id, e.g. unknown-key.")
  var id: String?

  func validate() throws {
    guard let id, DiagnosticGuide.entry(id) == nil else { return }
    let guess = DiagnosticGuide.nearest(to: id).map { "did you mean `\($0)`? " } ?? ""
    throw ValidationError(
      "no diagnostic has the id `\(id)`; \(guess)`nodespec explain` lists them")
  }

  func run() throws {
    let text =
      id.flatMap { DiagnosticGuide.entry($0)?.text }
      ?? DiagnosticGuide.ids.map { "\($0)\n" }.joinedUTF8()
    if !Driver(strict: false).writeStandardOutput(text) { throw Exit.ioFailure }
  }
}
