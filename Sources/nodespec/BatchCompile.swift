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
/// output at a time, and only the reports of specs finished ahead of an earlier, slower one
/// wait to be printed (and the temporary's name of each spec written).
///
/// Durable before visible, with one sync for the whole batch instead of one per file (an
/// fsync blocked each worker for every output, and a blocked thread waits again for a core
/// when it wakes, see docs/performance.md):
/// 1. the workers compile and write each output to a hidden temporary file beside it, and
///    hand it to `WriteBehind`, whose own thread writes the outputs back 64 at a time and
///    keeps them from piling up in the page cache;
/// 2. one `syncfs` of the folder's file system puts every temporary's data on disk;
/// 3. every temporary is renamed to its output;
/// 4. one fsync of the folder puts the renames on disk; only then is success reported.
/// A crash before step 3 leaves the outputs as they were (and hidden temporaries); during
/// step 3, each output is either its old or its new, complete file, never empty or partial.
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
  /// extension. On UTF-8 bytes: it is computed three times per spec (the up-front check, the
  /// write, the rename), and splitting the path into Characters cost 30,000 instructions a
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
    let behind = WriteBehind()
    let queue = WorkQueue(batch: self, present: Self.names(in: directory), behind: behind)
    runWorkers(queue)
    behind.stop()
    guard queue.written.contains(where: { $0 != nil }) else { return queue.status }
    let syncFailure = nodespec_syncfs(folder) == 0 ? nil : String(cString: strerror(errno))
    // Clean now: the outputs `behind` still held leave the page cache.
    behind.releaseHeld()
    if let syncFailure {
      driver.say("nodespec: cannot write to \(directory): \(syncFailure)")
      for case let temporary? in queue.written { unlink(temporary) }
      return Exit.ioFailure
    }
    queue.startRenaming()
    runWorkers(queue)
    queue.printRenameFailures()
    if fsync(folder) != 0 {
      driver.say("nodespec: cannot write to \(directory): \(String(cString: strerror(errno)))")
      return Exit.ioFailure
    }
    return queue.status
  }

  /// Runs the queue's work on `jobs` threads (or on this one) until it is done. A rename
  /// that replaces an output waits for the old file's blocks to be freed (a discard, on a
  /// file system mounted with it), so the renames are shared out as the compiles are.
  private func runWorkers(_ queue: WorkQueue) {
    let threads = min(jobs, specs.count)
    if threads <= 1 {
      queue.work()
      return
    }
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

  /// Where spec `index`'s output goes.
  fileprivate func outputPath(_ index: Int) -> String {
    "\(directory)/\(Self.outputName(of: specs[index], target: target))"
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

  /// What one spec ended as: its report for standard error, its failure if any, and the path
  /// of its written temporary if it got that far.
  /// `present`: the names in the folder when the batch started (nil: unknown).
  fileprivate func compile(_ index: Int, present: Set<String>?, behind: WriteBehind)
    -> (report: String, failure: ExitCode?, written: String?)
  {
    let transcript = Transcript()
    let driver = Driver(strict: strict, overrides: overrides, transcript: transcript)
    let spec = specs[index]
    var written: String?
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
      switch driver.writeTemporary(
        bytes, beside: path, mode: secret ? 0o600 : 0o644, durability: .writeBehind(behind))
      {
      case .failure(let failure):
        driver.say("nodespec: cannot write \(path): \(failure.reason)")
        return Exit.ioFailure
      case .success(let temporary):
        written = temporary
        return nil
      }
    }()
    return (transcript.text, failure, written)
  }
}

/// The batch's outputs on their way to disk. The workers hand each written output over, still
/// open; every `every` outputs, a thread of its own syncs the file system (`syncfs`) and then
/// drops those outputs' pages from the page cache and closes them. The last ones (fewer than
/// `every`) wait for the batch's own sync, before the renames (`BatchCompile`).
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
/// workers' threads: 5,000 playbooks took 1.52 to 1.63 s instead of 1.71 to 1.77 s
/// (docs/performance.md, "One sync for 64 outputs, off the workers' threads").
///
/// Bounded: a worker waits while `every * 4` outputs are held, should the disk be slower than
/// the workers, so open files and cached pages stay bounded.
final class WriteBehind: @unchecked Sendable {
  // @unchecked: every stored property but the constants is read and written under `mutex`.

  /// Outputs per sync: 64 playbooks are 6.4 MB. 16 and 32 left more interrupts, 128 gained
  /// nothing more (the measurements in the comment above).
  let every: Int
  /// Outputs written and not yet under a sync, oldest first.
  private var waiting: [Int32] = []
  /// Outputs the thread is syncing now.
  private var syncing = 0
  private var stopping = false
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// Signalled when `every` outputs wait, or the batch stops.
  private let due = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Signalled when a sync is done: a worker waiting for room goes on.
  private let room = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var thread: pthread_t?

  /// `threaded: false` is what a batch gets when the system refuses it a thread (tests ask
  /// for it): the worker that hands over the `every`th output syncs.
  init(every: Int = 64, threaded: Bool = true) {
    self.every = every
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(due, nil)
    pthread_cond_init(room, nil)
    guard threaded else { return }
    // The thread holds one reference until its loop ends (`stop` waits for that).
    let context = Unmanaged.passRetained(self).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(
      &thread, nil,
      { context in
        guard let context else { return nil }
        Unmanaged<WriteBehind>.fromOpaque(context).takeRetainedValue().syncLoop()
        return nil
      }, context)
    if started == 0 {
      self.thread = thread
    } else {
      // No thread: the worker that hands over the `every`th output syncs (`hold`).
      Unmanaged<WriteBehind>.fromOpaque(context).release()
    }
  }

  /// Takes over `fd`, an output written whole; waits while too many outputs are held.
  func hold(_ fd: Int32) {
    pthread_mutex_lock(mutex)
    while thread != nil && !stopping && waiting.count + syncing >= every * 4 {
      pthread_cond_wait(room, mutex)
    }
    waiting.append(fd)
    let isDue = waiting.count >= every
    if isDue && thread != nil { pthread_cond_signal(due) }
    let batch = isDue && thread == nil ? takeBatch() : []
    pthread_mutex_unlock(mutex)
    if !batch.isEmpty { sync(batch) }
  }

  /// Ends the thread once its sync in progress is done; the outputs it has not synced stay
  /// held for the batch's sync (`releaseHeld`). Called once the workers have ended.
  func stop() {
    pthread_mutex_lock(mutex)
    stopping = true
    pthread_cond_signal(due)
    pthread_mutex_unlock(mutex)
    if let thread { pthread_join(thread, nil) }
  }

  /// Drops and closes the outputs still held, once `stop` ended the thread and the batch's
  /// sync made them clean.
  func releaseHeld() {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    waiting.forEach(Self.release)
    waiting = []
  }

  deinit {
    waiting.forEach(Self.release)
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
      sync(batch)
    }
  }

  /// The outputs waiting, now being synced; under `mutex`.
  private func takeBatch() -> [Int32] {
    let batch = waiting
    waiting = []
    syncing += batch.count
    return batch
  }

  /// Syncs the file system under `batch` and releases its outputs; outside `mutex`.
  private func sync(_ batch: [Int32]) {
    // Through an output's descriptor, not the folder's: syncfs reports a write-back error
    // once per descriptor, and the batch's own sync (through the folder) must see it too.
    // A failure here is not reported: that sync fails the same way.
    _ = nodespec_syncfs(batch[0])
    batch.forEach(Self.release)
    pthread_mutex_lock(mutex)
    syncing -= batch.count
    pthread_cond_broadcast(room)
    pthread_mutex_unlock(mutex)
  }

  /// Drops an output's clean pages from the page cache and closes it.
  private static func release(_ fd: Int32) {
    nodespec_drop_cached(fd)
    close(fd)
  }
}

/// The specs still to compile (then the temporaries still to rename) and the reports still to
/// print, shared by the workers under one mutex. Compiling, writing and renaming happen
/// outside the lock.
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
  /// Each spec's temporary, by spec index, once written (read after the workers ended): the
  /// one thing the batch holds per spec until its end, about 0.1 KB.
  private(set) var written: [String?]
  /// Step 3: the workers rename the temporaries instead of compiling specs.
  private var renaming = false
  /// Why a rename failed, by spec index, printed in spec order once all are done.
  private var renameFailures: [Int: String] = [:]

  init(batch: BatchCompile, present: Set<String>?, behind: WriteBehind) {
    self.batch = batch
    self.present = present
    self.behind = behind
    written = Array(repeating: nil, count: batch.specs.count)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Called between two runs of the workers: from now on they rename.
  func startRenaming() {
    renaming = true
    next = 0
  }

  /// Takes specs (or temporaries to rename) until none is left.
  func work() {
    if renaming {
      while let index = take() { rename(index) }
      return
    }
    while let index = take() {
      let (report, failure, written) = batch.compile(index, present: present, behind: behind)
      finish(index, report: report, failure: failure, written: written)
    }
  }

  private func take() -> Int? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard next < batch.specs.count else { return nil }
    next += 1
    return next - 1
  }

  /// Puts one spec's output in place; a failure removes the temporary.
  private func rename(_ index: Int) {
    guard let temporary = written[index] else { return }
    let path = batch.outputPath(index)
    guard Glibc.rename(temporary, path) != 0 else { return }
    let reason = String(cString: strerror(errno))
    unlink(temporary)
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    renameFailures[index] = "nodespec: cannot write \(path): \(reason)\n"
    status = Exit.ioFailure
  }

  /// The failed renames' reports, in spec order (after every compile report).
  func printRenameFailures() {
    let out = renameFailures.keys.sorted().compactMap { renameFailures[$0] }.joinedUTF8()
    if !out.isEmpty { Driver(strict: false).writeAll(STDERR_FILENO, out) }
  }

  /// Records the spec's outcome and prints every report that is now next in spec order.
  private func finish(
    _ index: Int, report: String, failure: ExitCode?, written: String?
  ) {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if let failure, status != Exit.ioFailure { status = failure }
    self.written[index] = written
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
