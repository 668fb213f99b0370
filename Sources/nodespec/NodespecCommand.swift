import ArgumentParser
import Backends
import Compiler
import Spec

@main
struct Nodespec: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nodespec",
    abstract: "Compile a node's container-runtime spec into an install artifact.",
    discussion: """
      A spec (YAML) says which containerd, runc, CNI plugins, nerdctl and BuildKit a node runs,
      with which registry mirrors and Kubernetes settings. `compile` turns it into a shell
      script, a cloud-init #cloud-config or an Ansible playbook that installs all of it,
      verified and idempotently.
      """,
    subcommands: [Compile.self, Validate.self, CatalogCommand.self],
    defaultSubcommand: nil
  )
}

/// Exit codes: 0 fine, 1 invalid spec, 64 usage (ArgumentParser's), 74 I/O failure.
enum Exit {
  static let invalidSpec = ExitCode(1)
  static let ioFailure = ExitCode(74)
}

struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile a spec for one target.",
    discussion: "Exit status: 0 on success, 1 when the spec is invalid (nothing is written).")

  @Argument(help: "The spec file, or - for standard input.")
  var spec: String

  @Option(name: .shortAndLong, help: "The output: \(Target.allCases.map(\.rawValue).joined(separator: ", ")).")
  var target: Target

  @Option(
    name: .shortAndLong,
    help:
      "Write here (atomically, a regular file only) instead of standard output; - is standard output."
  )
  var output: String?

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  func run() throws {
    let driver = Driver(strict: strict)
    let output = self.output == "-" ? nil : self.output
    if let output, let problem = driver.outputProblem(output, input: spec) {
      driver.say("nodespec: cannot write \(output): \(problem)")
      throw Exit.ioFailure
    }
    guard let file = driver.read(spec) else { throw Exit.ioFailure }
    guard let (text, secret) = driver.compile(file, target: target) else {
      throw Exit.invalidSpec
    }
    if let output {
      if let failure = driver.writeAtomically(text, to: output, mode: secret ? 0o600 : 0o644) {
        driver.say("nodespec: cannot write \(output): \(failure)")
        throw Exit.ioFailure
      }
    } else if !driver.writeStandardOutput(text) {
      throw Exit.ioFailure
    }
  }
}

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check specs and report every problem, writing nothing.",
    discussion: "Exit status: 0 when every spec is valid, 1 otherwise.")

  @Argument(help: "Spec files, or - for standard input.")
  var specs: [String]

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  func validate() throws {
    guard !specs.isEmpty else { throw ValidationError("name at least one spec file") }
  }

  func run() throws {
    let driver = Driver(strict: strict)
    var failed = false
    for path in specs {
      guard let file = driver.read(path) else {
        failed = true
        continue
      }
      // Validation means the whole pipeline up to the Plan: catalog and lint errors count.
      if driver.plan(file) == nil { failed = true }
    }
    if failed { throw Exit.invalidSpec }
  }
}

extension Target: ExpressibleByArgument {}
