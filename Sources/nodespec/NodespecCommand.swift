import ArgumentParser
import Backends
import Compiler
import Spec

@main
struct Nodespec: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nodespec",
    abstract: "Compile a node's container-runtime spec into an install artifact.",
    // Each paragraph is one line: ArgumentParser wraps at the terminal's width, and a line
    // break written here would break a sentence in the middle of the screen.
    discussion: """
      A spec (YAML) says which containerd, runc, CNI plugins, nerdctl and BuildKit a node \
      runs, with which registry mirrors and Kubernetes settings. `compile` turns it into a \
      shell script, a cloud-init #cloud-config or an Ansible playbook that installs all of \
      it, verified and idempotently.

      \(Exit.help)
      """,
    version: NodespecVersion.text,
    subcommands: [
      Compile.self, Validate.self, CatalogCommand.self, Explain.self, Schema.self, Init.self,
    ]
  )

  /// Without a subcommand there is nothing to do: a usage error, like any other.
  func run() throws {
    throw ValidationError("name a subcommand: compile, validate, catalog, explain, schema or init")
  }
}

/// The exit statuses every subcommand keeps (BSD sysexits for the last two).
enum Exit {
  static let invalidSpec = ExitCode(1)
  /// ArgumentParser's own status for a `ValidationError` or a bad option (EX_USAGE).
  static let usage = ExitCode(64)
  /// A file could not be read or written (EX_IOERR).
  static let ioFailure = ExitCode(74)

  static let help = """
    Exit status: 0 done; 1 the spec is invalid (its problems are on standard error, and \
    nothing is written); 64 usage error; 74 a file could not be read or written.
    """
}

struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile a spec for one target.",
    discussion: """
      Every problem in the spec is reported, in file order, with its line and column; \
      `nodespec explain ID` says more about each. With problems, nothing is written.

      \(Exit.help)
      """)

  @Argument(help: "The spec file, or - for standard input.")
  var spec: String

  @Option(name: .shortAndLong, help: "What to compile the spec into.")
  var target: Target

  @Option(
    name: .shortAndLong,
    help:
      "Write here (atomically, a regular file only) instead of standard output; - is standard output."
  )
  var output: String?

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @OptionGroup var overrides: OverrideOptions

  func run() throws {
    let driver = Driver(strict: strict, overrides: overrides.set)
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
    discussion: """
      Runs every check `compile` runs, catalog and lints included, for each spec in turn. \
      When several specs fail, the status is 74 if one could not be read, else 1.

      \(Exit.help)
      """)

  @Argument(help: "Spec files, or - for standard input.")
  var specs: [String]

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @OptionGroup var overrides: OverrideOptions

  func validate() throws {
    guard !specs.isEmpty else { throw ValidationError("name at least one spec file") }
  }

  func run() throws {
    let driver = Driver(strict: strict, overrides: overrides.set)
    var status: ExitCode?
    for path in specs {
      guard let file = driver.read(path) else {
        status = Exit.ioFailure
        continue
      }
      // Validation means the whole pipeline up to the Plan: catalog and lint errors count.
      if driver.plan(file) == nil, status == nil { status = Exit.invalidSpec }
    }
    if let status { throw status }
  }
}

extension Target: ExpressibleByArgument {
  /// Shown beside each value in `--help`, so the list of targets is written once.
  public var defaultValueDescription: String {
    switch self {
    case .shell: "a bash script to run as root on the node"
    case .cloudInit: "a #cloud-config to pass as user data"
    case .ansible: "an Ansible playbook"
    }
  }
}
