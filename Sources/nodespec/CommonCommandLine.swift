import Backends

/// The two command lines nodespec runs most, recognised without ArgumentParser:
///
///     compile SPEC... --target T [-o FILE | --out-dir DIR] [--jobs N] [--hosts P]
///                     [--gzip] [--strict] [--set PATH=VALUE]...
///     validate SPEC... [--strict] [--set PATH=VALUE]...
///
/// ArgumentParser's parse costs more than compiling a spec (8.7 M instructions, most of them
/// the Swift runtime's protocol-conformance scans behind its reflection; see
/// docs/performance.md). This recogniser builds the same request (`CompileRequest`,
/// `ValidateRequest`) as the `Compile` or `Validate` command ArgumentParser would parse, and
/// checks it as that command's `validate()` does, without building the command (its property
/// wrappers alone cost 0.7 M instructions). It is strict: anything it
/// does not fully understand — help, a version request, completion scripts, an unknown or
/// repeated option, `--`, `--name=value`, a missing value, a value that looks like an option,
/// an empty argument, a failed validation — returns nil, and `Nodespec.main()` hands the whole
/// command line to ArgumentParser, which reports usage errors in its own words. Every message
/// and exit status therefore stays ArgumentParser's; `CommonCommandLineTests` checks, over
/// generated command lines, that this either declines or agrees with ArgumentParser exactly.
enum CommonCommandLine {
  /// A recognised command line: what to run.
  enum Request: Equatable {
    case compile(CompileRequest)
    case validate(ValidateRequest)

    func run() throws {
      switch self {
      case .compile(let request): try request.run()
      case .validate(let request): try request.run()
      }
    }
  }

  /// The request for `arguments` (without the program name), checked; nil to leave the
  /// command line to ArgumentParser.
  static func request(_ arguments: ArraySlice<String>) -> Request? {
    guard let name = arguments.first else { return nil }
    guard let words = Words(arguments.dropFirst()) else { return nil }
    // Every `--set` names a path and a value (`OverrideOptions.validate()`).
    guard words.sets.allSatisfy({ $0.utf8.contains(UInt8(ascii: "=")) }) else { return nil }
    switch name {
    case "compile": return compile(words).map(Request.compile)
    case "validate": return validate(words).map(Request.validate)
    default: return nil
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

  private static func compile(_ words: Words) -> CompileRequest? {
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
    let request = CompileRequest(
      specs: words.positional, target: target, output: words.output, outDir: words.outDir,
      jobs: jobs, hosts: words.hosts, gzip: words.gzip, strict: words.strict,
      overrides: words.sets)
    return request.problem == nil ? request : nil
  }

  private static func validate(_ words: Words) -> ValidateRequest? {
    guard !words.positional.isEmpty, words.target == nil, words.output == nil,
      words.outDir == nil, words.jobs == nil, words.hosts == nil, !words.gzip
    else { return nil }
    return ValidateRequest(specs: words.positional, strict: words.strict, overrides: words.sets)
  }
}
