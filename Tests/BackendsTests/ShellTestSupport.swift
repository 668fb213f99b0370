import Backends
import Compiler
import Foundation
import Spec
import Testing

/// Process, golden-file and temp-folder plumbing shared by the shell and cloud-init tests.
enum ShellTestSupport {
  /// The result of a finished process.
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `executable` (looked up on PATH) with `arguments`, feeding `input` on stdin.
  static func run(
    _ executable: String, _ arguments: [String], input: String = "",
    environment: [String: String]? = nil
  ) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    if let environment { process.environment = environment }
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Read both pipes concurrently with the writer, so a chatty process cannot deadlock.
    let group = DispatchGroup()
    nonisolated(unsafe) var out = Data()
    nonisolated(unsafe) var err = Data()
    DispatchQueue.global().async(group: group) {
      out = stdout.fileHandleForReading.readDataToEndOfFile()
    }
    DispatchQueue.global().async(group: group) {
      err = stderr.fileHandleForReading.readDataToEndOfFile()
    }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
      stderr: String(decoding: err, as: UTF8.self))
  }

  /// Whether `executable` is on PATH.
  static func has(_ executable: String) -> Bool {
    (try? run("sh", ["-c", "command -v \"$1\"", "sh", executable]).status) == 0
  }

  static var fixtures: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  }

  /// Compares `actual` with the golden file `Fixtures/<relativePath>`; with NODESPEC_RECORD=1
  /// in the environment, writes it instead. A mismatch records a unified diff.
  static func assertGolden(
    _ actual: String, _ relativePath: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let url = fixtures.appendingPathComponent(relativePath)
    if ProcessInfo.processInfo.environment["NODESPEC_RECORD"] == "1" {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: url)
      return
    }
    guard let expected = FileManager.default.contents(atPath: url.path) else {
      Issue.record(
        "missing golden file \(relativePath); run with NODESPEC_RECORD=1 to record it",
        sourceLocation: sourceLocation)
      return
    }
    guard Data(actual.utf8) != expected else { return }
    let temporary = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: temporary) }
    let actualURL = temporary.appendingPathComponent("actual")
    try Data(actual.utf8).write(to: actualURL)
    let diff = try run("diff", ["-u", url.path, actualURL.path])
    Issue.record(
      "\(relativePath) differs (NODESPEC_RECORD=1 re-records):\n\(diff.stdout)",
      sourceLocation: sourceLocation)
  }

  static func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nodespec-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Renders with a backend and fails the test when it reports errors.
  static func render(
    _ plan: Plan, with backend: some Backend,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> String {
    var diagnostics = Diagnostics()
    let text = backend.render(plan, diagnostics: &diagnostics)
    #expect(diagnostics.errors.isEmpty, "\(diagnostics.errors)", sourceLocation: sourceLocation)
    return try #require(text, sourceLocation: sourceLocation)
  }
}
