import ArgumentParser
import Backends

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `compile SPEC... --out-dir DIR`: every spec compiled in one process, on every core, each
/// written to `DIR/<stem><extension>` as soon as it is ready.
///
/// Each spec goes through exactly the steps `compile SPEC -o FILE` takes (`Driver.compile`,
/// `outputProblem`, `writeAtomically`), so an output is byte-identical to compiling that spec
/// alone, whatever the number of threads. A spec with problems writes nothing; the others are
/// written. Memory stays bounded: a worker holds one spec and its output at a time, and only
/// the reports of specs finished ahead of an earlier, slower one wait to be printed.
///
/// The reports (diagnostics, write failures) go to standard error whole, in the order the
/// specs were named, so the same batch prints the same report with any thread count.
struct BatchCompile {
  var specs: [String]
  var target: Target
  var options: RenderOptions
  var directory: String
  var strict: Bool
  /// `--set PATH=VALUE` arguments, laid over every spec.
  var overrides: [String]
  var jobs: Int

  /// The output file's name: the spec's file name without `.yaml`/`.yml`, and the target's
  /// extension.
  static func outputName(of spec: String, target: Target) -> String {
    var name =
      spec.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init)
      ?? spec
    for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) {
      name.removeLast(suffix.count)
      break
    }
    return name + target.fileExtension
  }

  /// Why the batch cannot start, checked before anything is written: two specs that would
  /// write one file, a spec that is standard input, an empty stem.
  static func problem(specs: [String], target: Target) -> String? {
    var first: [String: String] = [:]
    for spec in specs {
      if spec == "-" { return "--out-dir compiles files: standard input (-) has no file name" }
      let name = outputName(of: spec, target: target)
      if name == target.fileExtension { return "\(spec) has no file name to name its output" }
      if let other = first[name] {
        return "\(other) and \(spec) would both be written to \(name): rename one of them"
      }
      first[name] = spec
    }
    return nil
  }

  /// The number of online CPUs: the default thread count.
  static var availableCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// Compiles and writes every spec; returns the exit status (nil: all done).
  func run() -> ExitCode? {
    let driver = Driver(strict: strict)
    var info = stat()
    if stat(directory, &info) != 0 {
      guard errno == ENOENT, mkdir(directory, 0o755) == 0 else {
        driver.say("nodespec: cannot use \(directory): \(String(cString: strerror(errno)))")
        return Exit.ioFailure
      }
    } else if (info.st_mode & S_IFMT) != S_IFDIR {
      driver.say("nodespec: cannot use \(directory): it is not a directory")
      return Exit.ioFailure
    }
    let queue = WorkQueue(batch: self)
    let threads = min(jobs, specs.count)
    if threads <= 1 {
      queue.work()
    } else {
      var running: [pthread_t] = []
      for _ in 0..<threads {
        // The thread owns one reference to the queue until its loop ends.
        let context = Unmanaged.passRetained(queue).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
          &thread, nil,
          { context in
            guard let context else { return nil }
            Unmanaged<WorkQueue>.fromOpaque(context).takeRetainedValue().work()
            return nil
          }, context)
        if started == 0 {
          running.append(thread)
        } else {
          Unmanaged<WorkQueue>.fromOpaque(context).release()
        }
      }
      // No thread at all (the system refused every one): do the work here.
      if running.isEmpty { queue.work() }
      for thread in running { pthread_join(thread, nil) }
    }
    return queue.status
  }

  /// What one spec ended as: its report for standard error, and its failure if any.
  fileprivate func compile(_ index: Int) -> (report: String, failure: ExitCode?) {
    let transcript = Transcript()
    let driver = Driver(strict: strict, overrides: overrides, transcript: transcript)
    let spec = specs[index]
    let failure: ExitCode? = {
      guard let file = driver.read(spec) else { return Exit.ioFailure }
      guard let (bytes, secret) = driver.compile(file, target: target, options: options) else {
        return Exit.invalidSpec
      }
      let path = "\(directory)/\(Self.outputName(of: spec, target: target))"
      if let problem = driver.outputProblem(path, input: spec) {
        driver.say("nodespec: cannot write \(path): \(problem)")
        return Exit.ioFailure
      }
      if let failure = driver.writeAtomically(bytes, to: path, mode: secret ? 0o600 : 0o644) {
        driver.say("nodespec: cannot write \(path): \(failure)")
        return Exit.ioFailure
      }
      return nil
    }()
    return (transcript.text, failure)
  }
}

/// The specs still to compile and the reports still to print, shared by the workers under
/// one mutex. Compiling and writing happen outside the lock.
private final class WorkQueue: @unchecked Sendable {
  private let batch: BatchCompile
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// The next spec to hand out.
  private var next = 0
  /// Reports of finished specs that wait for an earlier one (by spec index).
  private var waiting: [Int: String] = [:]
  /// The next spec whose report is printed.
  private var printed = 0
  /// 74 if a file could not be read or written, else 1 if a spec was invalid, as `validate`.
  private(set) var status: ExitCode?

  init(batch: BatchCompile) {
    self.batch = batch
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Takes specs until none is left.
  func work() {
    while let index = take() {
      let (report, failure) = batch.compile(index)
      finish(index, report: report, failure: failure)
    }
  }

  private func take() -> Int? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard next < batch.specs.count else { return nil }
    next += 1
    return next - 1
  }

  /// Records the spec's outcome and prints every report that is now next in spec order.
  private func finish(_ index: Int, report: String, failure: ExitCode?) {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if let failure, status != Exit.ioFailure { status = failure }
    waiting[index] = report
    var out = ""
    while let ready = waiting.removeValue(forKey: printed) {
      out += ready
      printed += 1
    }
    if !out.isEmpty { Driver(strict: false).writeAll(STDERR_FILENO, Array(out.utf8)) }
  }
}

extension Target {
  /// What `--out-dir` appends to a spec's stem.
  var fileExtension: String {
    switch self {
    case .shell: ".sh"
    case .cloudInit: ".user-data"
    case .ansible: ".playbook.yml"
    }
  }
}
