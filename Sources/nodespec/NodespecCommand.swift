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
      Compile.self, Validate.self, PlanCommand.self, CatalogCommand.self, Explain.self,
      Schema.self, Init.self,
    ]
  )

  /// Runs the common command lines without ArgumentParser's parse (`CommonCommandLine`),
  /// every other one through it.
  static func main() {
    guard let request = CommonCommandLine.request(CommandLine.arguments.dropFirst()) else {
      return main(nil)
    }
    do {
      try request.run()
    } catch {
      exit(withError: error)
    }
  }

  /// Without a subcommand there is nothing to do: a usage error, like any other.
  func run() throws {
    throw ValidationError(
      "name a subcommand: compile, validate, plan, catalog, explain, schema or init")
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
    abstract: "Compile a spec, or many, for one target.",
    // Two forms, each within 80 columns (the generated line would list every option).
    usage: """
      nodespec compile <spec> --target <target> [-o <file>] [<options>]
      nodespec compile <spec>... --target <target> --out-dir <dir> [<options>]
      """,
    discussion: """
      Every problem in the spec is reported, in file order, with its line and column; \
      `nodespec explain ID` says more about each. With problems, nothing is written.

      With --out-dir, every spec named is compiled, on every core, into DIR/<stem>.sh, \
      DIR/<stem>.user-data or DIR/<stem>.playbook.yml (stem: the file name without .yaml or \
      .yml), each byte-identical to compiling that spec alone. A spec with problems writes \
      nothing; the others are written; the status is 1 if any spec failed (74 if one could \
      not be read or written). The outputs are put in place together, once all of them are \
      on disk.

      \(Exit.help)
      """)

  @Argument(
    help: ArgumentHelp(
      "The spec file, or - for standard input; with --out-dir, any number of files.",
      valueName: "spec"))
  var specs: [String]

  @Option(name: .shortAndLong, help: "What to compile the spec into.")
  var target: Target

  @Option(
    name: .shortAndLong,
    help:
      "Write here (atomically, a regular file only) instead of standard output; - is standard output."
  )
  var output: String?

  @Option(
    name: .customLong("out-dir"),
    help: ArgumentHelp(
      "Compile every spec into this folder (made if missing), one file each.",
      valueName: "dir"))
  var outDir: String?

  @Option(help: "With --out-dir: how many specs to compile at once (default: one per core).")
  var jobs: Int?

  @Option(
    help: ArgumentHelp(
      "ansible: the play's host pattern, e.g. an inventory group (default: all).",
      valueName: "pattern"))
  var hosts: String?

  @Flag(
    help: """
      User-data only: write it whole gzip-compressed (binary), as is done anyway when the \
      text is over 16 KB.
      """)
  var gzip = false

  @Flag(help: "Treat warnings as errors.")
  var strict = false

  @OptionGroup var overrides: OverrideOptions

  /// The command as a plain value, which `CommonCommandLine` builds without this type.
  var request: CompileRequest {
    CompileRequest(
      specs: specs, target: target, output: output, outDir: outDir, jobs: jobs, hosts: hosts,
      gzip: gzip, strict: strict, overrides: overrides.set)
  }

  func validate() throws {
    if let problem = request.problem { throw ValidationError(problem) }
  }

  func run() throws { try request.run() }
}

/// What `compile` is asked to do, however its command line was read: from a `Compile` that
/// ArgumentParser parsed, or by `CommonCommandLine` without it. Building a `Compile` value
/// (its property wrappers, their generic types) cost the runtime 0.7 M instructions, a tenth
/// of compiling the write-up's spec for the shell target.
struct CompileRequest: Equatable {
  var specs: [String]
  var target: Target
  var output: String?
  var outDir: String?
  var jobs: Int?
  var hosts: String?
  var gzip: Bool
  var strict: Bool
  /// The `--set` values, in order.
  var overrides: [String]

  /// Why the options do not go together (a usage error), or nil.
  var problem: String? {
    guard !specs.isEmpty else { return "name a spec file, or - for standard input" }
    if outDir == nil, specs.count > 1 {
      return "several specs need --out-dir DIR, one output file each"
    }
    if outDir != nil, output != nil {
      return "-o writes one spec's output; --out-dir names each file itself"
    }
    if let jobs, jobs < 1 || outDir == nil {
      return jobs < 1 ? "--jobs must be at least 1" : "--jobs goes with --out-dir"
    }
    if let hosts {
      guard target == .ansible else { return "--hosts is for --target ansible" }
      if let problem = RenderOptions.hostsProblem(hosts) { return problem }
    }
    if gzip, target != .cloudInit { return "--gzip is for --target cloud-init" }
    if outDir != nil, let problem = BatchCompile.problem(specs: specs, target: target) {
      return problem
    }
    return nil
  }

  private var options: RenderOptions { RenderOptions(hosts: hosts ?? "all", gzip: gzip) }

  func run() throws {
    if let outDir {
      let batch = BatchCompile(
        specs: specs, target: target, options: options, directory: outDir, strict: strict,
        overrides: overrides, jobs: jobs ?? BatchCompile.availableCores)
      if let status = batch.run() { throw status }
      return
    }
    let spec = specs[0]
    let driver = Driver(strict: strict, overrides: overrides)
    let output = self.output == "-" ? nil : self.output
    if let output, let problem = driver.outputProblem(output, input: spec) {
      driver.say("nodespec: cannot write \(output): \(problem)")
      throw Exit.ioFailure
    }
    guard let file = driver.read(spec) else { throw Exit.ioFailure }
    guard let (bytes, secret) = driver.compile(file, target: target, options: options) else {
      throw Exit.invalidSpec
    }
    if let output {
      if let failure = driver.writeAtomically(bytes, to: output, mode: secret ? 0o600 : 0o644) {
        driver.say("nodespec: cannot write \(output): \(failure)")
        throw Exit.ioFailure
      }
    } else if let problem = driver.standardOutputProblem(for: bytes) {
      driver.say("nodespec: \(problem)")
      throw Exit.ioFailure
    } else if !driver.writeStandardOutput(bytes) {
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

  /// The command as a plain value, which `CommonCommandLine` builds without this type.
  var request: ValidateRequest {
    ValidateRequest(specs: specs, strict: strict, overrides: overrides.set)
  }

  func validate() throws {
    guard !specs.isEmpty else { throw ValidationError("name at least one spec file") }
  }

  func run() throws { try request.run() }
}

/// What `validate` is asked to do (see `CompileRequest`).
struct ValidateRequest: Equatable {
  var specs: [String]
  var strict: Bool
  /// The `--set` values, in order.
  var overrides: [String]

  func run() throws {
    let driver = Driver(strict: strict, overrides: overrides)
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
