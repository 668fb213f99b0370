import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// `Resource.condition` in every backend: a resource applies only where its path exists, or
/// only under a running systemd (which this test machine does not have), and a skipped one
/// changes nothing and notifies nothing.
@Suite(.serialized) struct RootlessConditionTests {
  /// Files under `base`: one wanted where a path exists, one where it does not, and a
  /// command that needs systemd.
  static func plan(base: String) -> Plan {
    Plan(
      name: "conditions", arches: [.amd64],
      resources: [
        Resource(
          id: "present", origin: nil,
          kind: .file(File(path: "\(base)/present.conf", content: .init("# generated\nyes\n"))),
          condition: .pathExists(base)),
        Resource(
          id: "absent", origin: nil,
          kind: .file(File(path: "\(base)/absent.conf", content: .init("# generated\nno\n"))),
          condition: .pathExists("\(base)/no-such-switch")),
        Resource(
          id: "needs.systemd", origin: nil,
          kind: .command(
            Command(
              title: "touch a marker", argv: ["touch", "\(base)/systemd-ran"],
              guard: .creates("\(base)/systemd-ran"))),
          condition: .systemdRunning),
      ],
      // In the test's folder, never the machine's /var/lib/nodespec.
      manifest: "\(base)/state/manifest")
  }

  /// Whether this machine runs systemd: the tests expect it does not.
  static var systemdRuns: Bool { FileManager.default.fileExists(atPath: "/run/systemd/system") }

  @Test func shellWrapsEachConditionedStep() throws {
    let script = try ShellTestSupport.render(Self.plan(base: "/x"), with: ShellBackend())
    #expect(script.contains("if [ -e '/x/no-such-switch' ]; then\nif ! ns_file_kept '/x/absent.conf' "))
    #expect(script.contains("if ((ns_systemd)); then\nif [ ! -e '/x/systemd-ran' ]; then"))
    #expect(script.contains("skipped %s\\n' 'needs.systemd' >&2"))
    // ns_systemd is set even though the plan has no service.
    #expect(script.contains("if [ -d /run/systemd/system ]; then ns_systemd=1"))
  }

  @Test(.enabled(if: getuid() == 0 && !systemdRuns, "runs as root without systemd"))
  func shellAppliesOnlyWhereTheConditionHolds() throws {
    let root = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let base = root.path
    let script = try ShellTestSupport.render(Self.plan(base: base), with: ShellBackend())
    let path = root.appendingPathComponent("apply.sh").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    let first = try ShellTestSupport.run("bash", [path])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "nodespec: created \(base)/present.conf\n")
    #expect(first.stderr.contains("nodespec: systemd is not running: skipped needs.systemd"))
    #expect(FileManager.default.fileExists(atPath: "\(base)/present.conf"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/absent.conf"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/systemd-ran"))
    let second = try ShellTestSupport.run("bash", [path])
    #expect(second.status == 0 && second.stdout.isEmpty, "\(second.stdout)")
  }

  @Test func ansibleWrapsEachConditionedResourceInABlock() {
    let playbook = AnsibleTestSupport.render(Self.plan(base: "/x"))
    #expect(playbook.contains("- name: Check whether /x/no-such-switch exists"))
    #expect(playbook.contains("register: nodespec_condition"))
    #expect(playbook.contains("when: nodespec_condition.stat.exists"))
    #expect(playbook.contains("- name: Apply needs.systemd when systemd is running"))
    #expect(playbook.contains("Report that the steps needing systemd are skipped"))
  }

  @Test(.enabled(if: !systemdRuns, "expects no systemd"))
  func ansibleAppliesOnlyWhereTheConditionHolds() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let base = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    guard let first = try AnsibleRunTests.apply(Self.plan(base: base), in: scratch) else {
      return
    }
    #expect(first.status == 0, "\(first.output)")
    #expect(AnsibleRunTests.bytes("\(base)/present.conf") == "# generated\nyes\n")
    #expect(!FileManager.default.fileExists(atPath: "\(base)/absent.conf"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/systemd-ran"))
    #expect(first.output.contains("nodespec: systemd is not running: skipped the steps"))
    let second = try AnsibleRunTests.apply(Self.plan(base: base), in: scratch)
    #expect(second.map { AnsibleRunTests.changed($0.output) } == 0)
  }
}
