import ArgumentParser
import Testing

@testable import nodespec

/// `CommonCommandLine` must never change what a command line means: over generated command
/// lines built from the options of `compile` and `validate` and from words that trip
/// ArgumentParser's special cases, it either declines or builds exactly the command
/// ArgumentParser's own parse builds.
@Suite struct CommonCommandLineTests {
  /// Words the generator draws from: every option of both commands in each spelling, values
  /// good and bad for them, and what ArgumentParser treats specially.
  static let pool = [
    "a.yaml", "b.yml", "dir/c.yaml", "-", "--target", "-t", "shell", "cloud-init", "ansible",
    "bogus", "-o", "--output", "out.sh", "--out-dir", "out", "--jobs", "2", "0", "+3", "-1",
    "--hosts", "web", "bad host!", "--gzip", "--strict", "--set", "a.b=c", "nokey",
    "--help", "-h", "help", "--", "--target=shell", "", "--version", "-x", "-ts",
    "--generate-completion-script", "compile", "validate", "plan", "--plan",
  ]

  /// A deterministic generator (an LCG), so that a failure can be replayed.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state
    }
  }

  /// The request a command ArgumentParser parsed holds, to compare with the recogniser's.
  static func request(_ command: any ParsableCommand) -> CommonCommandLine.Request? {
    switch command {
    case let compile as Compile: .compile(compile.request)
    case let validate as Validate: .validate(validate.request)
    default: nil
    }
  }

  /// Checks one command line; returns true if the recogniser took it.
  static func check(_ arguments: [String]) -> Bool {
    guard let fast = CommonCommandLine.request(arguments[...]) else { return false }
    let parsed: (any ParsableCommand)?
    do {
      parsed = try Nodespec.parseAsRoot(arguments)
    } catch {
      parsed = nil
      Issue.record("recognised \(arguments), which ArgumentParser refuses: \(error)")
    }
    if let parsed {
      #expect(fast == request(parsed), "\(arguments)")
    }
    return true
  }

  @Test func declinesOrAgreesWithArgumentParser() {
    var random = Generator(state: 14)
    var recognised = 0
    var declined = 0
    for _ in 0..<6_000 {
      var arguments = [["compile", "validate", "compile", "plan"].randomElement(using: &random)!]
      // Bias towards command lines that are nearly right, so that many are recognised.
      if arguments[0] == "compile", Bool.random(using: &random) {
        arguments += [
          "a.yaml", "--target",
          ["shell", "cloud-init", "ansible"].randomElement(
            using: &random)!,
        ]
      }
      for _ in 0..<Int.random(in: 0...5, using: &random) {
        let index = Int.random(in: 0...arguments.count, using: &random)
        arguments.insert(Self.pool.randomElement(using: &random)!, at: max(1, index))
      }
      if Self.check(arguments) { recognised += 1 } else { declined += 1 }
    }
    // Both outcomes must be common, or the comparison says little.
    #expect(recognised > 300)
    #expect(declined > 500)
  }

  @Test func recognisesTheCommonCommandLines() {
    let lines = [
      ["compile", "spec.yaml", "--target", "shell"],
      ["compile", "spec.yaml", "-t", "cloud-init", "-o", "user-data"],
      ["compile", "-", "--target", "shell", "-o", "-"],
      ["compile", "a.yaml", "b.yaml", "--target", "ansible", "--out-dir", "out", "--jobs", "2"],
      ["compile", "a.yaml", "--target", "ansible", "--hosts", "web", "--strict"],
      ["compile", "a.yaml", "--target", "cloud-init", "--gzip", "--set", "a.b=c", "--set", "d=e"],
      ["validate", "a.yaml", "b.yaml", "--strict", "--set", "kubernetes.enabled=true"],
    ]
    for line in lines { #expect(Self.check(line), "\(line)") }
  }

  /// Every property of the commands has its field in the requests, which the recogniser
  /// builds and the commands run: a new option must be added to the request (and taught to
  /// `CommonCommandLine`); this fails until it is.
  @Test func theRequestsHoldEveryPropertyOfTheCommands() {
    #expect(Mirror(reflecting: Compile()).children.count == 9)
    #expect(
      Mirror(
        reflecting: CompileRequest(
          specs: [], target: .shell, gzip: false, strict: false, overrides: [])
      ).children.count == 9)
    #expect(Mirror(reflecting: Validate()).children.count == 3)
    #expect(
      Mirror(reflecting: ValidateRequest(specs: [], strict: false, overrides: [])).children.count
        == 3)
    #expect(Mirror(reflecting: OverrideOptions()).children.count == 1)
  }

  @Test func leavesHelpErrorsAndEverythingElseToArgumentParser() {
    let lines = [
      [], ["compile"], ["compile", "--help"], ["compile", "a.yaml", "-h"], ["help", "compile"],
      ["--version"], ["compile", "a.yaml", "--target", "bogus"],
      ["compile", "a.yaml", "b.yaml", "--target", "shell"],
      ["compile", "a.yaml", "--target", "shell", "--gzip"],
      ["compile", "a.yaml", "--target", "shell", "--set", "nokey"],
      ["compile", "a.yaml", "--target=shell"], ["compile", "--", "a.yaml", "--target", "shell"],
      ["compile", "a.yaml", "--target", "shell", "--target", "ansible"],
      ["validate", "a.yaml", "--target", "shell"], ["plan", "a.yaml"],
      ["compile", "a.yaml", "--target", "shell", "--jobs", "+3", "--out-dir", "d"],
    ]
    for line in lines { #expect(CommonCommandLine.request(line[...]) == nil, "\(line)") }
  }
}
