import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// The playbooks as Ansible's own tools see them: `--syntax-check` and ansible-lint's
/// production profile. Skipped, with a message, when the venv is not there.
@Suite struct AnsibleToolTests {
  /// The golden plans, the hostile one excepted: lint rightly flags Jinja-looking task names,
  /// which that plan has on purpose (they are `!unsafe`, which lint does not know).
  static let lintedPlans: [(String, Plan)] = AnsibleBackendTests.goldens.filter {
    $0.0 != "hostile.yml"
  }

  @Test(arguments: AnsibleBackendTests.goldens.map(\.0))
  func passesTheSyntaxCheck(_ name: String) throws {
    guard let playbookTool = AnsibleTestSupport.tool("ansible-playbook") else { return }
    let plan = try #require(AnsibleBackendTests.goldens.first { $0.0 == name }?.1)
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let playbook = try AnsibleTestSupport.write(AnsibleTestSupport.render(plan), in: scratch)
    let result = try AnsibleTestSupport.run(
      playbookTool, ["--syntax-check", "-i", "localhost,", playbook.path], in: scratch)
    #expect(result.status == 0, "\(result.output)")
  }

  @Test func passesAnsibleLintsProductionProfile() throws {
    guard let lint = AnsibleTestSupport.tool("ansible-lint") else { return }
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    var paths: [String] = []
    for (name, plan) in Self.lintedPlans {
      paths.append(
        try AnsibleTestSupport.write(
          AnsibleTestSupport.render(plan), in: scratch, name: name
        ).path)
    }
    paths.append(
      try AnsibleTestSupport.write(
        AnsibleTestSupport.render(AnsiblePlans.local(root: "/srv/nodespec-test")), in: scratch,
        name: "local.yml"
      ).path)
    let result = try AnsibleTestSupport.run(
      lint, ["--offline", "--profile", "production", "--nocolor"] + paths, in: scratch)
    #expect(result.status == 0, "\(result.output)")
  }

  /// The repository's examples, compiled by the real compiler: what users will run.
  static func exampleSpecs() throws -> [URL] {
    let examples = AnsibleTestSupport.fixtures.deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("examples")
    return try FileManager.default.contentsOfDirectory(
      at: examples, includingPropertiesForKeys: nil
    )
    .filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }
  }

  /// ansible-lint runs Ansible's syntax check too (its `syntax-check` rule).
  @Test func theExamplesPassAnsibleLint() throws {
    guard let lint = AnsibleTestSupport.tool("ansible-lint") else { return }
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    var paths: [String] = []
    for spec in try Self.exampleSpecs() {
      let text = try String(contentsOf: spec, encoding: .utf8)
      var diagnostics = Diagnostics()
      let plan = SpecLoader.load(SourceFile(path: spec.path, text: text), diagnostics: &diagnostics)
        .flatMap { Compiler.compile($0, diagnostics: &diagnostics) }
      let compiled = try #require(plan, "\(spec.lastPathComponent): \(diagnostics.errors)")
      let name = spec.deletingPathExtension().lastPathComponent + ".yml"
      let playbook = try AnsibleTestSupport.write(
        AnsibleTestSupport.render(compiled), in: scratch, name: name)
      paths.append(playbook.path)
    }
    #expect(!paths.isEmpty)
    let result = try AnsibleTestSupport.run(
      lint, ["--offline", "--profile", "production", "--nocolor"] + paths, in: scratch)
    #expect(result.status == 0, "\(result.output)")
  }
}
