import ArgumentParser
import Backends

/// The two command lines nodespec runs most, recognised without ArgumentParser:
///
///     compile SPEC... --target T [-o FILE | --out-dir DIR] [--jobs N] [--hosts P]
///                     [--gzip] [--strict] [--set PATH=VALUE]...
///     validate SPEC... [--strict] [--set PATH=VALUE]...
///
/// ArgumentParser's parse costs more than compiling a spec (8.7 M instructions, most of them
/// the Swift runtime's protocol-conformance scans behind its reflection; see
/// docs/performance.md). This recogniser builds the same `Compile` or `Validate` value
/// ArgumentParser would, and runs that command's own `validate()`s. It is strict: anything it
/// does not fully understand — help, a version request, completion scripts, an unknown or
/// repeated option, `--`, `--name=value`, a missing value, a value that looks like an option,
/// an empty argument, a failed validation — returns nil, and `Nodespec.main()` hands the whole
/// command line to ArgumentParser, which reports usage errors in its own words. Every message
/// and exit status therefore stays ArgumentParser's; `CommonCommandLineTests` checks, over
/// generated command lines, that this either declines or agrees with ArgumentParser exactly.
enum CommonCommandLine {
  /// The command for `arguments` (without the program name), validated; nil to leave the
  /// command line to ArgumentParser.
  static func command(_ arguments: ArraySlice<String>) -> (any ParsableCommand)? {
    guard let name = arguments.first else { return nil }
    guard let words = Words(arguments.dropFirst()) else { return nil }
    do {
      switch name {
      case "compile": return try compile(words)
      case "validate": return try validate(words)
      default: return nil
      }
    } catch {
      return nil
    }
  }

  /// A command line split into positional arguments and options, or nil when any word is
  /// one this recogniser leaves to ArgumentParser.
  private struct Words {
    var positional: [String] = []
    var target: String?
    var output: String?
    var outDir: String?
    var jobs: String?
    var hosts: String?
    var gzip = false
    var strict = false
    /// Every `--set` value, in order.
    var sets: [String] = []

    init?(_ arguments: ArraySlice<String>) {
      var index = arguments.startIndex
      /// The option's value: the next word, unless that is missing, empty, or could be read
      /// as an option.
      func value() -> String? {
        guard index < arguments.endIndex else { return nil }
        let word = arguments[index]
        index += 1
        guard let start = word.utf8.first, start != UInt8(ascii: "-") || word == "-" else {
          return nil
        }
        return word
      }
      /// Sets an option given once; ArgumentParser keeps the last of a repeated option, and
      /// rather than depend on that, a repetition declines.
      func once(_ field: inout String?) -> Bool {
        guard field == nil, let word = value() else { return false }
        field = word
        return true
      }
      while index < arguments.endIndex {
        let word = arguments[index]
        index += 1
        guard let first = word.utf8.first else { return nil }
        if first != UInt8(ascii: "-") || word == "-" {
          // `help` is ArgumentParser's word, wherever it stands.
          guard word != "help" else { return nil }
          positional.append(word)
          continue
        }
        // The short names are the ones ArgumentParser derives from `.shortAndLong`.
        let understood: Bool
        switch word {
        case "--target", "-t": understood = once(&target)
        case "--output", "-o": understood = once(&output)
        case "--out-dir": understood = once(&outDir)
        case "--jobs": understood = once(&jobs)
        case "--hosts": understood = once(&hosts)
        case "--set":
          guard let word = value() else { return nil }
          sets.append(word)
          understood = true
        case "--gzip":
          understood = !gzip
          gzip = true
        case "--strict":
          understood = !strict
          strict = true
        default: understood = false
        }
        guard understood else { return nil }
      }
    }
  }

  private static func compile(_ words: Words) throws -> Compile? {
    guard !words.positional.isEmpty, let name = words.target, let target = Target(rawValue: name)
    else { return nil }
    var jobs: Int?
    if let text = words.jobs {
      // Plain decimal digits only: ArgumentParser's Int also takes a sign.
      guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        text.utf8.count <= 9, let number = Int(text)
      else { return nil }
      jobs = number
    }
    var command = Compile()
    command.specs = words.positional
    command.target = target
    command.output = words.output
    command.outDir = words.outDir
    command.jobs = jobs
    command.hosts = words.hosts
    command.gzip = words.gzip
    command.strict = words.strict
    command.overrides = try overrides(words.sets)
    try command.validate()
    return command
  }

  private static func validate(_ words: Words) throws -> Validate? {
    guard !words.positional.isEmpty, words.target == nil, words.output == nil,
      words.outDir == nil, words.jobs == nil, words.hosts == nil, !words.gzip
    else { return nil }
    var command = Validate()
    command.specs = words.positional
    command.strict = words.strict
    command.overrides = try overrides(words.sets)
    try command.validate()
    return command
  }

  private static func overrides(_ sets: [String]) throws -> OverrideOptions {
    var group = OverrideOptions()
    group.set = sets
    try group.validate()
    return group
  }
}
