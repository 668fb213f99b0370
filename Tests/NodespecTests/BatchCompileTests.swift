import Backends
import Foundation
import Testing

@testable import nodespec

/// The batch's output names, worked out on UTF-8 bytes: the file name without its folder and
/// one `.yaml`/`.yml`, then the target's extension.
@Suite struct BatchCompileTests {
  @Test(arguments: [
    ("examples/node-1.yaml", Target.shell, "node-1.sh"),
    ("/abs/path/to/eu-web.yml", .cloudInit, "eu-web.user-data"),
    ("relative.yaml", .ansible, "relative.playbook.yml"),
    ("dir.yaml/spec", .shell, "spec.sh"),
    ("twice.yaml.yml", .shell, "twice.yaml.sh"),
    ("no-extension", .shell, "no-extension.sh"),
    ("ünï/çødé-ñ.yaml", .shell, "çødé-ñ.sh"),
    ("emoji-🚀.yml", .cloudInit, "emoji-🚀.user-data"),
    ("a/.yaml", .shell, ".sh"),
    ("trailing/", .shell, ".sh"),
    ("x.YAML", .shell, "x.YAML.sh"),
  ])
  func outputName(spec: String, target: Target, expected: String) {
    #expect(BatchCompile.outputName(of: spec, target: target) == expected)
  }

  @Test func specsWithoutAFileNameOrSharingOneAreRefusedUpFront() {
    #expect(BatchCompile.problem(specs: ["a/x.yaml", "b/y.yml"], target: .shell) == nil)
    #expect(
      BatchCompile.problem(specs: ["a/x.yaml", "b/x.yml"], target: .shell)
        == "a/x.yaml and b/x.yml would both be written to x.sh: rename one of them")
    #expect(
      BatchCompile.problem(specs: ["a/.yaml"], target: .shell)
        == "a/.yaml has no file name to name its output")
  }

  /// The output folder's names, read once: every entry, hidden ones and folders too; nil
  /// for a folder that cannot be listed (then every output is checked).
  @Test func namesInTheOutputFolder() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("batch-names-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(BatchCompile.names(in: folder.path) == [".", ".."])
    for name in ["node-1.sh", ".node-2.sh.nodespec-abc123", "çødé 🚀.sh"] {
      try Data("x".utf8).write(to: folder.appendingPathComponent(name))
    }
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("sub.sh"), withIntermediateDirectories: false)
    #expect(
      BatchCompile.names(in: folder.path)
        == [".", "..", "node-1.sh", ".node-2.sh.nodespec-abc123", "çødé 🚀.sh", "sub.sh"])
    #expect(BatchCompile.names(in: folder.appendingPathComponent("missing").path) == nil)
    #expect(BatchCompile.names(in: folder.appendingPathComponent("node-1.sh").path) == nil)
  }
}
