import ArgumentParser
import Backends
import CFileSync

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `compile SPEC... --out-dir DIR`: every spec compiled in one process, on every core, each
/// written to `DIR/<stem><extension>`.
///
/// Each spec goes through exactly the steps `compile SPEC -o FILE` takes (`Driver.compile`,
/// `outputProblem`, a temporary file beside the output), so an output is byte-identical to
/// compiling that spec alone, whatever the number of threads. A spec with problems writes
/// nothing; the others are written. Memory stays bounded: a worker holds one spec and its
/// output at a time, at most 256 written outputs wait for their sync, and only the reports of
/// specs finished ahead of an earlier, slower one wait to be printed.
///
/// Durable before visible, with one sync for many outputs instead of one per file (an fsync
/// blocked each worker for every output, and a blocked thread waits again for a core when it
/// wakes, see docs/performance.md):
/// 1. the workers compile and write each output to a hidden temporary file beside it, and
///    hand it to `WriteBehind`;
/// 2. every 64 outputs, `WriteBehind`'s own thread syncs the folder's file system (`syncfs`),
///    which puts their data on disk, then renames each of them to its output;
/// 3. once the workers are done, one more `syncfs` and the renames of the last outputs, then
///    one fsync of the folder puts every rename on disk; only then is success reported.
/// A crash at any point leaves each output either its old or its new, complete file, never
/// empty or partial (and hidden temporaries of the outputs not yet renamed).
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
  /// extension. On UTF-8 bytes: it is computed twice per spec (the up-front check, the
  /// write), and splitting the path into Characters cost 30,000 instructions a
  /// call, 0.1 s before the first worker started at 10,000 specs.
  static func outputName(of spec: String, target: Target) -> String {
    // A "/" or the suffix's "." is one byte in UTF-8, never inside another character.
    var name = spec.utf8[...]
    if let slash = name.lastIndex(of: UInt8(ascii: "/")) {
      name = name[name.index(after: slash)...]
    }
    for suffix in specSuffixes where name.reversed().starts(with: suffix.utf8.reversed()) {
      name = name.dropLast(suffix.utf8.count)
      break
    }
    return String(Substring(name)) + target.fileExtension
  }

  private static let specSuffixes = [".yaml", ".yml"]

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
    let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folder >= 0 else {
      driver.say("nodespec: cannot use \(directory): \(String(cString: strerror(errno)))")
      return Exit.ioFailure
    }
    defer { close(folder) }
    let behind = WriteBehind(syncing: folder)
    let queue = WorkQueue(batch: self, present: Self.names(in: directory), behind: behind)
    runWorkers(queue)
    let outcome = behind.finish()
    if let failure = outcome.syncFailure {
      driver.say("nodespec: cannot write to \(directory): \(failure)")
    }
    if !outcome.renameFailures.isEmpty {
      driver.writeAll(STDERR_FILENO, outcome.renameFailures.joinedUTF8())
    }
    // The renames on disk before success is reported (and after a failure, those done).
    let renamesSynced = !outcome.renamedAny || fsync(folder) == 0
    if !renamesSynced {
      driver.say("nodespec: cannot write to \(directory): \(String(cString: strerror(errno)))")
    }
    if outcome.syncFailure != nil || !outcome.renameFailures.isEmpty || !renamesSynced {
      return Exit.ioFailure
    }
    return queue.status
  }

  /// Runs the queue's work on `jobs` threads (or on this one) until it is done.
  private func runWorkers(_ queue: WorkQueue) {
    let threads = min(jobs, specs.count)
    if threads <= 1 {
      queue.work()
      return
    }
    let running = (0..<threads).compactMap { _ in startThread(queue.work) }
    // No thread at all (the system refused every one): do the work here.
    if running.isEmpty { queue.work() }
    for thread in running { pthread_join(thread, nil) }
  }

  /// The names in `directory`, or nil if it cannot be listed. Read once before the workers
  /// start, so that only an output already there pays for `Driver.outputProblem`'s stat: in
  /// a new folder, 10,000 specs made 10,000 lookups that each found nothing. A file put in
  /// the folder by someone else during the batch is then replaced without that check, as one
  /// put there between the check and the rename always was.
  static func names(in directory: String) -> Set<String>? {
    guard let folder = opendir(directory) else { return nil }
    defer { closedir(folder) }
    var names = Set<String>()
    while true {
      errno = 0
      guard let entry = readdir(folder) else { return errno == 0 ? names : nil }
      let name = entry.pointee.d_name
      names.insert(
        withUnsafePointer(to: name) {
          $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: name)) {
            String(cString: $0)
          }
        })
    }
  }

  /// What one spec ended as: its report for standard error and its failure if any. Its
  /// output, once written, is `behind`'s to put in place.
  /// `present`: the names in the folder when the batch started (nil: unknown).
  fileprivate func compile(_ index: Int, present: Set<String>?, behind: WriteBehind)
    -> (report: String, failure: ExitCode?)
  {
    let transcript = Transcript()
    let driver = Driver(strict: strict, overrides: overrides, transcript: transcript)
    let spec = specs[index]
    let failure: ExitCode? = {
      guard let file = driver.read(spec) else { return Exit.ioFailure }
      guard let (bytes, secret) = driver.compile(file, target: target, options: options) else {
        return Exit.invalidSpec
      }
      let name = Self.outputName(of: spec, target: target)
      let path = "\(directory)/\(name)"
      if present?.contains(name) ?? true, let problem = driver.outputProblem(path, input: spec) {
        driver.say("nodespec: cannot write \(path): \(problem)")
        return Exit.ioFailure
      }
      let written = driver.writeTemporary(
        bytes, beside: path, mode: secret ? 0o600 : 0o644,
        durability: .writeBehind(behind, spec: index))
      if case .failure(let failure) = written {
        driver.say("nodespec: cannot write \(path): \(failure.reason)")
        return Exit.ioFailure
      }
      return nil
    }()
    return (transcript.text, failure)
  }
}

/// The batch's outputs on their way to disk and into place. The workers hand each written
/// output over, still open; every `every` outputs, a thread of its own syncs the file system
/// (`syncfs`), drops those outputs' pages from the page cache, closes them and renames each
/// temporary over its output. `finish` does the same for the last ones. An output is renamed
/// only once a sync that began after it was written succeeded: durable before visible.
///
/// Why the page cache: a batch writes a fleet's outputs for other machines, 10,000 playbooks
/// are 1 GB that this process never reads again. Left in the page cache, every output took
/// memory the kernel had not handed out lately, and on a virtual machine whose free memory
/// goes back to the host (virtio-balloon's free page reporting) the first write to such a page
/// costs an exit to the host; a page is dropped only once it is clean, so the outputs are
/// written back first.
///
/// Why one sync for many outputs, from another thread: the write-back of each output apart
/// (`sync_file_range` on it, by the worker that wrote it) was one request to the disk per
/// output, one notification of the host and one interrupt, and the interrupts preempted the
/// workers (4,000 times for 5,000 playbooks). One `syncfs` writes 64 outputs back in one go
/// (their blocks lie side by side, so the requests merge), and waits for them off the
/// workers' threads. Placing them from that thread too spares the batch a last step in which
/// the workers renamed every output, spinning on the folder's lock (docs/performance.md, "One
/// sync for 64 outputs, off the workers' threads").
///
/// Bounded: a worker waits while `every * 4` outputs are held, should the disk be slower than
/// the workers, so open files and cached pages stay bounded.
final class WriteBehind: @unchecked Sendable {
  // @unchecked: every stored property but the constants is read and written under `mutex`.

  /// A written output: its open file, its temporary's path, where it goes, and the spec it
  /// is for (failures are reported in spec order).
  struct Output {
    let fd: Int32
    let temporary: String
    let path: String
    let spec: Int
  }

  /// How the outputs fared, once all are settled.
  struct Outcome {
    /// Why a sync failed, if one did: the outputs it was for were removed, not renamed.
    var syncFailure: String?
    /// A report for each rename that failed (its temporary removed), in spec order.
    var renameFailures: [String]
    /// Whether any output was renamed into place (the folder then needs its fsync).
    var renamedAny: Bool
  }

  /// Outputs per sync: 64 playbooks are 6.4 MB. 16 and 32 left more interrupts, 128 gained
  /// nothing more.
  let every: Int
  /// The output folder, opened before the first output: every sync goes through it, and
  /// syncfs reports through it any write-back error since then, each one once.
  private let folder: Int32
  /// Outputs written and not yet under a sync, oldest first.
  private var waiting: [Output] = []
  /// Outputs the thread is syncing now.
  private var syncing = 0
  private var stopping = false
  /// Whether any output was handed over.
  private var holdsAny = false
  private var syncFailure: String?
  /// Reports of failed renames, by spec.
  private var renameFailures: [Int: String] = [:]
  private var renamedAny = false
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// Signalled when `every` outputs wait, or the batch stops.
  private let due = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Signalled when a sync is done: a worker waiting for room goes on.
  private let room = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var thread: pthread_t?

  /// `threaded: false` is what a batch gets when the system refuses it a thread (tests ask
  /// for it): the worker that hands over the `every`th output syncs and renames.
  init(syncing folder: Int32, every: Int = 64, threaded: Bool = true) {
    self.folder = folder
    self.every = every
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(due, nil)
    pthread_cond_init(room, nil)
    guard threaded else { return }
    // The thread holds a reference until its loop ends (`finish` waits for that).
    thread = startThread { [self] in syncLoop() }
  }

  /// Takes over an output written whole; waits while too many outputs are held.
  func hold(_ output: Output) {
    pthread_mutex_lock(mutex)
    while thread != nil && waiting.count + syncing >= every * 4 {
      pthread_cond_wait(room, mutex)
    }
    waiting.append(output)
    holdsAny = true
    let isDue = waiting.count >= every
    if isDue && thread != nil { pthread_cond_signal(due) }
    let batch = isDue && thread == nil ? takeBatch() : []
    pthread_mutex_unlock(mutex)
    if !batch.isEmpty { settle(batch) }
  }

  /// Once the workers have ended: ends the thread after its sync in progress, then syncs and
  /// renames the outputs still held.
  func finish() -> Outcome {
    pthread_mutex_lock(mutex)
    stopping = true
    pthread_cond_signal(due)
    pthread_mutex_unlock(mutex)
    if let thread { pthread_join(thread, nil) }
    thread = nil
    // Alone from here: no worker, no thread.
    if holdsAny { settle(takeBatch()) }
    return Outcome(
      syncFailure: syncFailure,
      renameFailures: renameFailures.keys.sorted().compactMap { renameFailures[$0] },
      renamedAny: renamedAny)
  }

  deinit {
    for output in waiting { close(output.fd) }
    pthread_cond_destroy(room)
    pthread_cond_destroy(due)
    pthread_mutex_destroy(mutex)
    room.deallocate()
    due.deallocate()
    mutex.deallocate()
  }

  private func syncLoop() {
    while true {
      pthread_mutex_lock(mutex)
      while waiting.count < every && !stopping { pthread_cond_wait(due, mutex) }
      let batch = stopping ? [] : takeBatch()
      pthread_mutex_unlock(mutex)
      if batch.isEmpty { return }
      settle(batch)
    }
  }

  /// The outputs waiting, now being synced; under `mutex`.
  private func takeBatch() -> [Output] {
    let batch = waiting
    waiting = []
    syncing += batch.count
    return batch
  }

  /// Syncs the file system for `batch`; then each output leaves the page cache, is closed,
  /// and is renamed into place if the sync succeeded (no write-back error since the folder
  /// was opened went unreported), else removed. Outside `mutex`.
  private func settle(_ batch: [Output]) {
    let synced = nodespec_syncfs(folder) == 0
    let failure = synced ? nil : String(cString: strerror(errno))
    var failed: [(Int, String)] = []
    for output in batch {
      nodespec_drop_cached(output.fd)
      close(output.fd)
      guard synced else {
        unlink(output.temporary)
        continue
      }
      if rename(output.temporary, output.path) != 0 {
        let reason = String(cString: strerror(errno))
        failed.append((output.spec, "nodespec: cannot write \(output.path): \(reason)\n"))
        unlink(output.temporary)
      }
    }
    pthread_mutex_lock(mutex)
    if syncFailure == nil { syncFailure = failure }
    for (spec, report) in failed { renameFailures[spec] = report }
    if synced && failed.count < batch.count { renamedAny = true }
    syncing -= batch.count
    pthread_cond_broadcast(room)
    pthread_mutex_unlock(mutex)
  }
}

/// Starts a thread that runs `body`, which it owns (and what `body` holds) until it returns;
/// nil if the system refuses one.
private func startThread(_ body: @escaping () -> Void) -> pthread_t? {
  final class Body {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
  }
  let context = Unmanaged.passRetained(Body(body)).toOpaque()
  var thread = pthread_t()
  let started = pthread_create(
    &thread, nil,
    { context in
      guard let context else { return nil }
      Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
      return nil
    }, context)
  guard started == 0 else {
    Unmanaged<Body>.fromOpaque(context).release()
    return nil
  }
  return thread
}

/// The specs still to compile and the reports still to print, shared by the workers under
/// one mutex. Compiling and writing happen outside the lock.
private final class WorkQueue: @unchecked Sendable {
  private let batch: BatchCompile
  /// The names in the output folder when the batch started (`BatchCompile.names(in:)`).
  private let present: Set<String>?
  /// Where the workers hand their written outputs.
  private let behind: WriteBehind
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// The next spec to hand out.
  private var next = 0
  /// Reports of finished specs that wait for an earlier one (by spec index).
  private var waiting: [Int: String] = [:]
  /// The next spec whose report is printed.
  private var printed = 0
  /// 74 if a file could not be read or written, else 1 if a spec was invalid, as `validate`.
  private(set) var status: ExitCode?

  init(batch: BatchCompile, present: Set<String>?, behind: WriteBehind) {
    self.batch = batch
    self.present = present
    self.behind = behind
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Takes specs until none is left.
  func work() {
    while let index = take() {
      let (report, failure) = batch.compile(index, present: present, behind: behind)
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
    if !out.isEmpty { Driver(strict: false).writeAll(STDERR_FILENO, out) }
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
