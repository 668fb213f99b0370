import Backends
import Compiler
import Spec

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The only place that touches the file system, the environment and the terminal.
///
/// It uses the C library directly rather than Foundation: loading Foundation (and ICU) costs
/// several times what reading and compiling a spec does (see bench/ and the README's
/// performance note).
struct Driver {
  var strict: Bool
  /// `--set PATH=VALUE` arguments, laid over every spec after its bases.
  var overrides: [String] = []
  /// Where messages go instead of standard error: the batch collects each spec's report and
  /// prints it whole, in spec order (`BatchCompile`).
  var transcript: Transcript? = nil

  private var renderer: DiagnosticRenderer {
    // no-color.org: set and not empty.
    let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
    return DiagnosticRenderer(color: isatty(STDERR_FILENO) == 1 && !noColor)
  }

  func say(_ message: String) {
    let line = message.hasSuffix("\n") ? message : message + "\n"
    if let transcript {
      transcript.text += line
    } else {
      writeAll(STDERR_FILENO, line)
    }
  }

  /// Reads a spec; `-` is standard input. Reports and returns nil when it cannot.
  func read(_ path: String) -> SourceFile? {
    let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      say("nodespec: cannot read \(path): \(String(cString: strerror(errno)))")
      return nil
    }
    defer { if fd != STDIN_FILENO { close(fd) } }
    // Refused early past the limit rather than reading an unbounded stream into memory; the
    // reader has its own (smaller) limit with a proper diagnostic.
    switch Self.readAll(fd, limit: SpecLimits.maxReadBytes) {
    case .success(let bytes):
      return SourceFile(path: path == "-" ? "<stdin>" : path, bytes: bytes)
    case .failure(let problem):
      say("nodespec: cannot read \(path): \(problem.reason)")
      return nil
    }
  }

  /// The spec with its bases (`extends`) and `--set`s merged: the one way every command
  /// reads a spec. `files` are what its diagnostics are rendered in.
  func sources(_ file: SourceFile, diagnostics: inout Diagnostics) -> SpecSources {
    SpecLoader.sources(
      file, overrides: overrides, fileSystem: Self.fileSystem, diagnostics: &diagnostics)
  }

  /// Bases are read as the spec is: regular files only (a FIFO or device named by a spec
  /// under review must not hang or feed the compiler), at most `SpecLimits.maxReadBytes`;
  /// a file's identity is its device and inode, so a cycle through another spelling of a
  /// path, or a symlink, is still a cycle.
  static let fileSystem = SpecFileSystem(
    read: { path in
      let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
      guard fd >= 0 else { return .failure(String(cString: strerror(errno))) }
      defer { close(fd) }
      var info = stat()
      guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
        return .failure("it is not a regular file")
      }
      switch readAll(fd, limit: SpecLimits.maxReadBytes) {
      case .success(let bytes): return .file(bytes: bytes, identity: identity(of: info))
      case .failure(let reason): return .failure(reason.reason)
      }
    },
    identity: { path in
      var info = stat()
      return stat(path, &info) == 0 ? identity(of: info) : nil
    })

  private static func identity(of info: stat) -> String { "\(info.st_dev):\(info.st_ino)" }

  /// The variables of the process environment the spec takes header values from, and only
  /// those: most specs name none, and copying the whole environment cost more than reading
  /// them.
  private func environment(for spec: NodeSpec) -> [String: String] {
    var result: [String: String] = [:]
    for name in spec.environmentVariables {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }

  /// The largest file a `local:` may name: certificates and keys are a few KB.
  static let maxLocalFileBytes = 1 << 20

  /// What the compiler gets from outside the spec: the environment, the files beside the
  /// spec for `local:`, and the time, for certificate expiry.
  private func inputs(for spec: NodeSpec, from file: SourceFile) -> CompileInputs {
    CompileInputs(
      environment: environment(for: spec), localFiles: Self.localFiles(besideSpec: file.path),
      now: Int(time(nil)))
  }

  /// Reads `local:` paths inside the spec's folder only, as Butane's `--files-dir` does: the
  /// path is relative without `..` (the decoder checked), and where it really leads, symlinks
  /// resolved, must still be inside the folder, so a spec under review in CI cannot read the
  /// compiling machine's other files into its output. A spec from standard input has no
  /// folder.
  static func localFiles(besideSpec specPath: String) -> LocalFiles {
    guard specPath != "<stdin>" else { return .none }
    let slash = specPath.lastIndex(of: "/")
    let folder = slash.map { String(specPath[..<$0]) } ?? "."
    return LocalFiles { relative in
      guard let base = resolved(folder.isEmpty ? "/" : folder) else {
        return .failure(.init("the spec's folder cannot be resolved"))
      }
      guard let target = resolved("\(folder)/\(relative)") else {
        return .failure(.init(String(cString: strerror(errno))))
      }
      guard target.hasPrefix(base == "/" ? "/" : base + "/") else {
        return .failure(.init("it leads out of the spec's folder (a symlink)"))
      }
      return readRegularFile(target, limit: maxLocalFileBytes)
    }
  }

  /// The path with every symlink resolved, or nil (errno set).
  private static func resolved(_ path: String) -> String? {
    guard let pointer = realpath(path, nil) else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  private static func readRegularFile(_ path: String, limit: Int) -> Result<
    [UInt8], LocalFiles.Unreadable
  > {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { return .failure(.init(String(cString: strerror(errno)))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      return .failure(.init("it is not a regular file"))
    }
    return readAll(fd, limit: limit)
  }

  /// Everything `fd` holds, refused past `limit` bytes. The chunk is not zeroed first: a
  /// batch reads thousands of specs, and zeroing it for each cost more than reading it.
  private static func readAll(_ fd: Int32, limit: Int) -> Result<
    [UInt8], LocalFiles.Unreadable
  > {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 * 1024) { chunk in
      var bytes: [UInt8] = []
      while true {
        let count = Glibc.read(fd, chunk.baseAddress, chunk.count)
        if count == 0 { return .success(bytes) }
        if count < 0 {
          if errno == EINTR { continue }
          return .failure(.init(String(cString: strerror(errno))))
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<count]))
        if bytes.count > limit { return .failure(.init("it is larger than \(limit) bytes")) }
      }
    }
  }

  /// Loads and compiles, printing every diagnostic. Nil when there are errors (or warnings
  /// under `--strict`).
  func plan(_ file: SourceFile) -> Plan? { run(file, target: nil)?.plan }

  /// The output, and whether it may hold a secret: a header value taken from this machine's
  /// environment, or a delivered key (`env`, `local`), is written into the output literally,
  /// so such an output is written 0600.
  func compile(_ file: SourceFile, target: Target, options: RenderOptions = RenderOptions())
    -> (bytes: ByteWriter, secret: Bool)?
  {
    guard let (plan, bytes) = run(file, target: target.backend(options)), let bytes else {
      return nil
    }
    let secret = plan.resources.contains {
      if case .file(let written) = $0.kind { written.content.isSecret } else { false }
    }
    return (bytes, secret)
  }

  /// Every stage on whatever the one before it left, then one report of all they found, in
  /// file order, closed by a count line: a decoding error does not hide a catalog error
  /// further down. The backend renders only a plan without problems.
  private func run(_ file: SourceFile, target backend: (any Backend)?) -> (
    plan: Plan, bytes: ByteWriter?
  )? {
    var diagnostics = Diagnostics()
    let sources = self.sources(file, diagnostics: &diagnostics)
    let spec = SpecLoader.decode(sources, diagnostics: &diagnostics)
    let plan = spec.flatMap {
      Compiler.compile($0, inputs: inputs(for: $0, from: file), diagnostics: &diagnostics)
    }
    var bytes: ByteWriter?
    if let plan, let backend, passes(diagnostics) {
      bytes = backend.output(plan, diagnostics: &diagnostics)
    }
    let all = diagnostics.inFileOrder()
    if !all.isEmpty {
      say(
        renderer.render(all, in: sources.files)
          + DiagnosticRenderer.summary(of: all, strict: strict))
    }
    // A backend that fails says why in its diagnostics.
    guard let plan, passes(diagnostics), backend == nil || bytes != nil else { return nil }
    return (plan, bytes)
  }

  /// Whether the run may go on: no errors, and no warnings under `--strict`.
  private func passes(_ diagnostics: Diagnostics) -> Bool {
    !(diagnostics.hasErrors || (strict && !diagnostics.warnings.isEmpty))
  }

  func writeStandardOutput(_ text: String) -> Bool { writeAll(STDOUT_FILENO, text) }

  func writeStandardOutput(_ bytes: ByteWriter) -> Bool {
    bytes.withBytes { writeAll(STDOUT_FILENO, $0) }
  }

  /// Why the output is not written to standard output: gzip-compressed user-data would land
  /// on a terminal as garbage (gzip itself refuses the same).
  func standardOutputProblem(for bytes: ByteWriter) -> String? {
    let gzip = bytes.withBytes { $0.starts(with: [0x1F, 0x8B]) }
    guard gzip, isatty(STDOUT_FILENO) == 1 else { return nil }
    return "the user-data is gzip-compressed; not written to a terminal (use -o FILE or a pipe)"
  }

  /// Why `-o path` must not be written, or nil: the rename that writes it would replace a
  /// device, FIFO, socket or directory (`-o /dev/null` as root once renamed a file over
  /// `/dev/null`), or the spec being compiled (`input`, unless it is standard input).
  func outputProblem(_ path: String, input: String) -> String? {
    var target = stat()
    // Not there yet, or not reachable: then the write itself says why.
    guard stat(path, &target) == 0 else { return nil }
    let kind: String? =
      switch target.st_mode & S_IFMT {
      case S_IFREG: nil
      case S_IFDIR: "a directory"
      case S_IFCHR: "a character device"
      case S_IFBLK: "a block device"
      case S_IFIFO: "a FIFO"
      case S_IFSOCK: "a socket"
      default: "not a regular file"
      }
    if let kind { return "it is \(kind), not a regular file (write to standard output with -o -)" }
    var spec = stat()
    if input != "-", stat(input, &spec) == 0, spec.st_dev == target.st_dev,
      spec.st_ino == target.st_ino
    {
      return "it is the spec being compiled"
    }
    return nil
  }

  /// Writes through a temporary file in the same folder, fsync and a rename, so a reader never
  /// sees half a file and a failure leaves any old file untouched. Returns an error text.
  func writeAtomically(_ bytes: ByteWriter, to path: String, mode: mode_t = 0o644) -> String? {
    switch writeTemporary(bytes, beside: path, mode: mode, durability: .synced) {
    case .failure(let failure): return failure.reason
    case .success(let temporary):
      guard rename(temporary, path) == 0 else {
        let failure = String(cString: strerror(errno))
        unlink(temporary)
        return failure
      }
      return nil
    }
  }

  /// Why a file could not be written.
  struct WriteFailure: Error { var reason: String }

  /// What `writeTemporary` does with the file once its bytes are written.
  enum Durability {
    /// fsync, then close: the file is on disk when `writeTemporary` returns.
    case synced
    /// Hand the open file to the batch's `WriteBehind`, which syncs it with others and then
    /// renames it over `path` (`BatchCompile`); `spec` orders its reports.
    case writeBehind(WriteBehind, spec: Int)
  }

  /// Writes `bytes` to a new temporary file beside `path` (`.<name>.nodespec-XXXXXX`, in the
  /// same folder so that a rename puts it in place) with `mode`, and returns its path; on a
  /// failure nothing is left.
  func writeTemporary(
    _ bytes: ByteWriter, beside path: String, mode: mode_t, durability: Durability
  ) -> Result<String, WriteFailure> {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array("\(folder.isEmpty ? "/" : folder)/.\(base).nodespec-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkstemp($0) } ?? -1
    }
    guard fd >= 0 else { return .failure(WriteFailure(reason: String(cString: strerror(errno)))) }
    let temporary = String(
      decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var failure: String?
    if !bytes.withBytes({ writeAll(fd, $0) }) { failure = String(cString: strerror(errno)) }
    if failure == nil, case .synced = durability, fsync(fd) != 0 {
      failure = String(cString: strerror(errno))
    }
    // An output is a script or config for root to run; 0644 like any generated file (mkstemp
    // makes 0600), or 0600 when it holds a secret.
    if failure == nil, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      close(fd)
      unlink(temporary)
      return .failure(WriteFailure(reason: failure))
    }
    switch durability {
    case .synced: close(fd)
    case .writeBehind(let behind, let spec):
      behind.hold(.init(fd: fd, temporary: temporary, path: path, spec: spec))
    }
    return .success(temporary)
  }

  /// Writes `text`'s UTF-8 (a report, the schema: text made as a `String`).
  @discardableResult
  func writeAll(_ fd: Int32, _ text: String) -> Bool {
    Array(text.utf8).withUnsafeBufferPointer { writeAll(fd, $0) }
  }

  @discardableResult
  func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var bytes = UnsafeRawBufferPointer(bytes)
    while !bytes.isEmpty {
      let written = Glibc.write(fd, bytes.baseAddress, bytes.count)
      if written < 0 {
        if errno == EINTR { continue }
        return false
      }
      bytes = UnsafeRawBufferPointer(rebasing: bytes[written...])
    }
    return true
  }
}

/// The messages of one spec's run, kept for one report. Used by one thread at a time.
final class Transcript {
  var text = ""
}
