import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// A script that writes a secret taken from the compiling machine's environment holds it as
/// text: neither `bash -x` (trace) nor `bash -v` (echo each line read) may print it.
@Suite(.serialized, .enabled(if: getuid() == 0, "runs the scripts as root"))
struct SecretTraceTests {
  @Test(arguments: [["-x"], ["-v"], ["-xv"]])
  func tracingAndEchoingShowNoSecret(_ flags: [String]) throws {
    let root = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(root.path)/hosts.toml",
              content: .init("Authorization = \"Bearer s3cret-from-env\"\n", isSecret: true),
              mode: 0o600)))
      ],
      // The manifest goes into the test's folder, never the machine's /var/lib/nodespec.
      manifest: "\(root.path)/manifest")
    let script = try ShellTestSupport.render(plan, with: ShellBackend())
    let path = root.appendingPathComponent("apply.sh").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    let run = try ShellTestSupport.run("bash", flags + [path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stderr.contains("s3cret") && !run.stdout.contains("s3cret"), "\(run.stderr)")
    let written = FileManager.default.contents(atPath: "\(root.path)/hosts.toml")
    #expect(written.map { String(decoding: $0, as: UTF8.self) }?.contains("s3cret") == true)
  }
}
