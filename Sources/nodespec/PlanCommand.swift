import ArgumentParser
import Backends

struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Print what a spec's output will do on a node, for review.",
    discussion: """
      Every download (version, arch, URL, how it is verified), file (path, mode, owner), \
      folder, service and command, in the order the output applies them, and which services \
      a change restarts. The same checks as compile and validate run first. --format json \
      prints it as one JSON object keyed by resource id (docs/plan-contract.md, "The plan \
      as JSON"), so a CI job can diff the plans of a pull request's specs. Secret values are \
      never shown.

      \(Exit.help)
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Argument(help: "The spec file, or - for standard input.")
  var spec: String

  @Option(help: "text (for people) or json (for programs).")
  var format: Format = .text

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @OptionGroup var overrides: OverrideOptions

  func run() throws {
    let driver = Driver(strict: strict, overrides: overrides.set)
    guard let file = driver.read(spec) else { throw Exit.ioFailure }
    guard let plan = driver.plan(file) else { throw Exit.invalidSpec }
    let text =
      switch format {
      case .text: PlanReport.text(plan)
      case .json: PlanReport.json(plan).text
      }
    if !driver.writeStandardOutput(text) { throw Exit.ioFailure }
  }
}
