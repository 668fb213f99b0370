import ArgumentParser
import Spec

struct Schema: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schema",
    abstract: "Print the JSON Schema of the spec format, for editors.",
    discussion: """
      The schema (JSON Schema draft 2020-12) is generated from the key table the decoder \
      uses, so it names every key nodespec accepts, with a description, and every closed set \
      of values. Save it and point yaml-language-server at it with a first line such as \
      `# yaml-language-server: $schema=nodespec.schema.json`. `validate` remains the full \
      check: versions, the catalog and the lints are not in the schema.

      \(Exit.help)
      """)

  func run() throws {
    if !Driver(strict: false).writeStandardOutput(SpecSchema.json()) { throw Exit.ioFailure }
  }
}
