import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// Helpers the Ansible tests share: rendering, fixtures, and running the venv's tools.
enum AnsibleTestSupport {
  /// Renders a plan, recording an issue for every diagnostic.
  static func render(_ plan: Plan, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> String
  {
    var diagnostics = Diagnostics()
    let output = AnsibleBackend().render(plan, diagnostics: &diagnostics)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all)", sourceLocation: sourceLocation)
    return output ?? ""
  }

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/ansible")

  /// The venv holding ansible-playbook and ansible-lint: `NODESPEC_VENV`, else the
  /// repository's `.venv` (where scripts/setup puts it).
  static var venv: URL {
    if let path = ProcessInfo.processInfo.environment["NODESPEC_VENV"] {
      return URL(fileURLWithPath: path)
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".venv")
  }

  /// A venv tool, or nil (with a message naming it) when it is not installed.
  static func tool(_ name: String) -> URL? {
    let url = venv.appendingPathComponent("bin/\(name)")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
      print("skipping: \(url.path) not found (set NODESPEC_VENV to a venv with ansible)")
      return nil
    }
    return url
  }

  struct Run {
    var status: Int32
    var output: String
  }

  /// Runs a program to completion, stdout and stderr together.
  static func run(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil,
    environment extra: [String: String] = [:]
  ) throws -> Run {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["ANSIBLE_NOCOLOR"] = "1"
    environment["ANSIBLE_FORCE_COLOR"] = "0"
    environment["PATH"] =
      venv.appendingPathComponent("bin").path + ":"
      + (environment["PATH"] ?? "/usr/bin:/bin")
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  /// A fresh folder under the system temporary folder.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("nodespec-ansible-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes the playbook into `directory` and returns its path.
  static func write(_ playbook: String, in directory: URL, name: String = "playbook.yml") throws
    -> URL
  {
    let url = directory.appendingPathComponent(name)
    try Data(playbook.utf8).write(to: url)
    return url
  }

  /// Compares with a golden file, or records it when `NODESPEC_RECORD=1`. A mismatch prints
  /// a unified diff.
  static func assertGolden(
    _ output: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let url = fixtures.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["NODESPEC_RECORD"] == "1" {
      try FileManager.default.createDirectory(
        at: fixtures, withIntermediateDirectories: true)
      try Data(output.utf8).write(to: url)
      return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      let message = "missing golden file \(url.path); record with NODESPEC_RECORD=1"
      Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
      return
    }
    guard expected != output else { return }
    let scratch = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let actual = try write(output, in: scratch, name: name)
    let diff = try run(URL(fileURLWithPath: "/usr/bin/diff"), ["-u", url.path, actual.path])
    let message = "\(name) differs from the golden file (NODESPEC_RECORD=1 re-records):\n"
    Issue.record(Comment(rawValue: message + diff.output), sourceLocation: sourceLocation)
  }
}
