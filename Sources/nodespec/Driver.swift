import Backends
import Compiler
import Foundation
import Spec

/// The only place that touches the file system, the environment and the terminal.
struct Driver {
  var strict: Bool

  private var renderer: DiagnosticRenderer {
    let environment = ProcessInfo.processInfo.environment
    let color = isatty(STDERR_FILENO) == 1 && environment["NO_COLOR"] == nil
    return DiagnosticRenderer(color: color)
  }

  func say(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
  }

  /// Reads a spec; `-` is standard input. Reports and returns nil when it cannot.
  func read(_ path: String) -> SourceFile? {
    if path == "-" {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      return SourceFile(path: "<stdin>", bytes: Array(data))
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      say("nodespec: cannot read \(path): no such file or not readable")
      return nil
    }
    return SourceFile(path: path, bytes: Array(data))
  }

  /// Loads and compiles, printing every diagnostic. Nil when there are errors (or warnings
  /// under `--strict`).
  func plan(_ file: SourceFile) -> Plan? {
    var diagnostics = Diagnostics()
    let spec = SpecLoader.load(file, diagnostics: &diagnostics)
    let plan = spec.flatMap {
      Compiler.compile(
        $0, environment: ProcessInfo.processInfo.environment, diagnostics: &diagnostics)
    }
    return report(diagnostics, in: file) ? plan : nil
  }

  func compile(_ file: SourceFile, target: Target) -> String? {
    guard let plan = plan(file) else { return nil }
    var diagnostics = Diagnostics()
    let text = target.backend.render(plan, diagnostics: &diagnostics)
    return report(diagnostics, in: file) ? text : nil
  }

  /// Prints diagnostics; true when they allow going on.
  private func report(_ diagnostics: Diagnostics, in file: SourceFile) -> Bool {
    if !diagnostics.all.isEmpty { say(renderer.render(diagnostics.all, in: file)) }
    let fatal = diagnostics.hasErrors || (strict && !diagnostics.warnings.isEmpty)
    return !fatal
  }

  /// Writes through a temporary file in the same folder and a rename, so a reader never sees
  /// half a file and a failure leaves the old file untouched.
  func writeAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).nodespec-\(getpid())")
    do {
      try Data(text.utf8).write(to: temporary, options: [.withoutOverwriting])
      guard rename(temporary.path, url.path) == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }
}
