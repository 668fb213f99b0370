import ArgumentParser
import Compiler

struct Init: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Print a commented starter spec.",
    discussion: """
      The spec names the newest release in the catalog of containerd, runc, the CNI plugins \
      and nerdctl that draws no warning, and compiles for every target under --strict: \
      `nodespec init > node.yaml`.

      \(Exit.help)
      """)

  func run() throws {
    if !Driver(strict: false).writeStandardOutput(StarterSpec.text()) { throw Exit.ioFailure }
  }
}
