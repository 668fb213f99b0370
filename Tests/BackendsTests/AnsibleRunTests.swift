import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Cheap real runs: playbooks whose files live under a temporary folder, applied to this
/// machine with `ansible-playbook -c local`, then applied again to see `changed=0`.
@Suite(.serialized) struct AnsibleRunTests {
  /// Applies a plan's playbook to localhost; nil when the tools or root are missing.
  static func apply(_ plan: Plan, in scratch: URL, extra: [String] = []) throws
    -> AnsibleTestSupport.Run?
  {
    guard let playbookTool = AnsibleTestSupport.tool("ansible-playbook") else { return nil }
    guard getuid() == 0 else {
      print("skipping: the playbook must run as root")
      return nil
    }
    // The manifest goes into the scratch folder, never the machine's /var/lib/nodespec.
    var plan = plan
    plan.manifest = scratch.appendingPathComponent("state/manifest").path
    let playbook = try AnsibleTestSupport.write(AnsibleTestSupport.render(plan), in: scratch)
    // Already root: no sudo needed (and this machine has none). Modules run with the venv's
    // Python, which certainly works, rather than whatever interpreter discovery finds.
    let python = AnsibleTestSupport.venv.appendingPathComponent("bin/python3").path
    return try AnsibleTestSupport.run(
      playbookTool,
      [
        "-i", "localhost,", "-c", "local", "-e", "ansible_become=false",
        "-e", "ansible_python_interpreter=\(python)", playbook.path,
      ] + extra,
      in: scratch,
      environment: [
        "ANSIBLE_LOCAL_TEMP": scratch.appendingPathComponent(".ansible-local").path,
        "ANSIBLE_REMOTE_TEMP": scratch.appendingPathComponent(".ansible-remote").path,
      ])
  }

  /// The `changed=` count of the play recap, or nil when there is none.
  static func changed(_ output: String) -> Int? {
    guard let recap = output.split(separator: "\n").last(where: { $0.contains(" changed=") }),
      let field = recap.split(separator: " ").first(where: { $0.hasPrefix("changed=") })
    else { return nil }
    return Int(field.dropFirst("changed=".count))
  }

  static func bytes(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }

  static func mode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
  }

  @Test func writesFilesAndChangesNothingTheSecondTime() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try Data("tok3n\n".utf8).write(to: URL(fileURLWithPath: "\(root)/token"))
    let plan = AnsiblePlans.local(root: root)

    guard let first = try Self.apply(plan, in: scratch) else { return }
    #expect(first.status == 0, "\(first.output)")
    #expect(Self.bytes("\(root)/etc/nodespec/config.toml") == "a = 1\nb = \"two\"\n")
    #expect(Self.mode("\(root)/etc/nodespec/config.toml") == 0o644)
    #expect(Self.mode("\(root)/etc/nodespec") == 0o750)
    #expect(Self.bytes("\(root)/deep/er/no-newline") == "no newline at the end")
    #expect(Self.mode("\(root)/deep/er/no-newline") == 0o600)
    #expect(Self.mode("\(root)/deep/er") == 0o755)
    #expect(Self.bytes("\(root)/etc/nodespec/hosts.toml") == "token = \"tok3n\"\n")
    #expect(Self.mode("\(root)/etc/nodespec/hosts.toml") == 0o640)
    #expect(!first.output.contains("tok3n"), "the secret was printed")
    #expect(FileManager.default.fileExists(atPath: "\(root)/marker"))
    #expect(Self.bytes("\(root)/once") == "once\n")

    let second = try #require(try Self.apply(plan, in: scratch))
    #expect(second.status == 0, "\(second.output)")
    #expect(Self.changed(second.output) == 0, "\(second.output)")
    #expect(Self.bytes("\(root)/once") == "once\n")
  }

  @Test func aMissingSecretFileStopsTheRunNamingIt() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    guard let run = try Self.apply(AnsiblePlans.local(root: root), in: scratch) else { return }
    #expect(run.status != 0)
    #expect(run.output.contains("nodespec: secret file \(root)/token is missing"), "\(run.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(root)/etc/nodespec/hosts.toml"))
  }

  @Test func hostileStringsArriveLiterally() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    let plan = AnsiblePlans.hostilePlan(root: root)

    guard let first = try Self.apply(plan, in: scratch) else { return }
    #expect(first.status == 0, "\(first.output)")
    for (index, text) in AnsiblePlans.hostile.enumerated() {
      #expect(Self.bytes("\(root)/{{ dir }}/file-\(index)") == text, "file-\(index)")
    }
    #expect(Self.mode("\(root)/{{ dir }}") == 0o750)
    #expect(Self.bytes("\(root)/{% if true %}name{% endif %}") == AnsiblePlans.hostile.joined())
    #expect(Self.bytes("\(root)/from-command") == AnsiblePlans.hostile[0])
    #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"))

    let second = try #require(try Self.apply(plan, in: scratch))
    #expect(Self.changed(second.output) == 0, "\(second.output)")
  }

  /// Makes `root/src` with a binary, an archive and its checksum file; returns the binary's
  /// sha256.
  static func makeDownloads(root: String) throws -> String {
    let source = "\(root)/src"
    try FileManager.default.createDirectory(
      atPath: "\(source)/bundle/bin", withIntermediateDirectories: true)
    try Data("#!/bin/sh\necho tool\n".utf8).write(to: URL(fileURLWithPath: "\(source)/tool"))
    try Data("#!/bin/sh\necho bundled\n".utf8)
      .write(to: URL(fileURLWithPath: "\(source)/bundle/bin/bundled"))
    let shell = URL(fileURLWithPath: "/bin/sh")
    let made = try AnsibleTestSupport.run(
      shell,
      [
        "-c",
        "set -e; cd \"$1\"; chmod 0755 bundle/bin/bundled;"
          + " tar -czf bundle.tar.gz -C bundle bin; sha256sum bundle.tar.gz > SHA256SUMS;"
          + " sha256sum tool | cut -d' ' -f1",
        "sh", source,
      ])
    #expect(made.status == 0, "\(made.output)")
    return made.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func aChecksumMismatchFailsNamingTheFileAndInstallsNothing() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    let sha = try Self.makeDownloads(root: root)
    let wrong = String(repeating: "0", count: 64)
    let plan = AnsiblePlans.localArtifacts(root: root, toolSHA: wrong)

    guard let run = try Self.apply(plan, in: scratch) else { return }
    #expect(run.status != 0)
    #expect(
      run.output.contains("nodespec: checksum mismatch for tool: expected \(wrong), got \(sha)"),
      "\(run.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(root)/usr/bin/tool"))
    #expect(!FileManager.default.fileExists(atPath: "\(root)/var/lib/nodespec/artifacts/tool"))
  }

  /// gVisor's pins are sha512: get_url checks `sha512:HEX`, a wrong one fails naming the file.
  @Test func aSHA512PinIsChecked() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    let sha = try Self.makeDownloads(root: root)
    let sums = try ShellTestSupport.run("sha512sum", ["\(root)/src/tool"])
    let hex = String(sums.stdout.prefix(128))
    let wrong = String(repeating: "0", count: 128)

    let bad = AnsiblePlans.localArtifacts(root: root, toolSHA: sha, toolCheck: .sha512(wrong))
    guard let refused = try Self.apply(bad, in: scratch) else { return }
    #expect(refused.status != 0)
    #expect(
      refused.output.contains(
        "nodespec: checksum mismatch for tool: expected \(wrong), got \(hex)"),
      "\(refused.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(root)/usr/bin/tool"))

    let good = AnsiblePlans.localArtifacts(root: root, toolSHA: sha, toolCheck: .sha512(hex))
    let run = try #require(try Self.apply(good, in: scratch))
    #expect(run.status == 0, "\(run.output)")
    #expect(Self.bytes("\(root)/usr/bin/tool") == "#!/bin/sh\necho tool\n")
    #expect(
      Self.bytes("\(root)/var/lib/nodespec/artifacts/tool")
        == "file://\(root)/src/tool sha512:\(hex)\n")
  }

  @Test func verifiedArtifactsInstallOnceAndStampWhatTheyAre() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    let sha = try Self.makeDownloads(root: root)
    let plan = AnsiblePlans.localArtifacts(root: root, toolSHA: sha)

    guard let first = try Self.apply(plan, in: scratch) else { return }
    #expect(first.status == 0, "\(first.output)")
    #expect(Self.bytes("\(root)/usr/bin/tool") == "#!/bin/sh\necho tool\n")
    #expect(Self.mode("\(root)/usr/bin/tool") == 0o755)
    #expect(Self.bytes("\(root)/opt/bundle/bin/bundled") == "#!/bin/sh\necho bundled\n")
    #expect(Self.mode("\(root)/opt/bundle/bin/bundled") == 0o755)
    for case .artifact(let artifact) in plan.resources.map(\.kind) {
      let source = try #require(artifact.sources.first)
      #expect(Self.bytes(artifact.stamp) == Artifact.stampContent(for: source))
      #expect(Self.mode(artifact.stamp) == 0o644)
    }

    let second = try #require(try Self.apply(plan, in: scratch))
    #expect(Self.changed(second.output) == 0, "\(second.output)")

    // A provided file gone missing brings the artifact back.
    try FileManager.default.removeItem(atPath: "\(root)/opt/bundle/bin/bundled")
    let third = try #require(try Self.apply(plan, in: scratch))
    #expect(third.status == 0, "\(third.output)")
    #expect(FileManager.default.fileExists(atPath: "\(root)/opt/bundle/bin/bundled"))
  }

  /// Without systemd (this machine), a unit is enabled by its `.wants` link and the play
  /// says so once; the restart a changed file asks for is skipped. The link goes to the real
  /// /etc/systemd/system, in a target folder of this test's own, removed afterwards.
  @Test func withoutSystemdAUnitIsEnabledByItsLinkAndReportedOnce() throws {
    guard !FileManager.default.fileExists(atPath: "/run/systemd/system") else {
      print("skipping: systemd is running here, and this test must not start units")
      return
    }
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    let target = "nodespec-test-\(UUID().uuidString.prefix(8)).target"
    let wants = "/etc/systemd/system/\(target).wants"
    defer { try? FileManager.default.removeItem(atPath: wants) }
    let unitPath = "\(root)/units/demo.service"
    let plan = Plan(
      name: "offline", arches: [.amd64],
      resources: [
        Resource(
          id: "unit", origin: nil,
          kind: .file(
            File(
              path: unitPath,
              content: .init("[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=\(target)\n"))),
          notifies: ["service"]),
        Resource(
          id: "service", origin: nil,
          kind: .service(Service(unit: "demo.service", unitPath: unitPath, wantedBy: target))),
      ])
    let message = "nodespec: systemd is not running: demo.service enabled, not started"

    guard let first = try Self.apply(plan, in: scratch) else { return }
    #expect(first.status == 0, "\(first.output)")
    #expect(first.output.contains(message), "\(first.output)")
    let link = try FileManager.default.destinationOfSymbolicLink(atPath: "\(wants)/demo.service")
    #expect(link == unitPath)

    let second = try #require(try Self.apply(plan, in: scratch))
    #expect(second.status == 0, "\(second.output)")
    #expect(Self.changed(second.output) == 0, "\(second.output)")
    #expect(!second.output.contains(message), "\(second.output)")
  }

  @Test func aDirectoryAtAFilesPathStopsTheRunBeforeAnythingChanges() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(
      atPath: "\(root)/etc/nodespec/config.toml", withIntermediateDirectories: true)
    try Data("tok3n\n".utf8).write(to: URL(fileURLWithPath: "\(root)/token"))

    guard let run = try Self.apply(AnsiblePlans.local(root: root), in: scratch) else { return }
    #expect(run.status != 0)
    #expect(
      run.output.contains("nodespec: \(root)/etc/nodespec/config.toml is a directory"),
      "\(run.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(root)/marker"))
  }

  @Test func checkModeChangesNothing() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try Data("tok3n\n".utf8).write(to: URL(fileURLWithPath: "\(root)/token"))

    guard let run = try Self.apply(AnsiblePlans.local(root: root), in: scratch, extra: ["--check"])
    else { return }
    #expect(run.status == 0, "\(run.output)")
    #expect(!FileManager.default.fileExists(atPath: "\(root)/etc/nodespec"))
  }

  /// As the shell target: a secret bound for a TOML string is escaped with the same bytes,
  /// or refused naming the file; `-v` output never shows it.
  @Test func escapesANodeSecretForTOMLOrRefusesIt() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let secret = "\(root)/token"
    let plan = Plan(
      name: "toml-secret", arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(root)/hosts.toml",
              content: .init([
                .text("Authorization = \""),
                .escapedSecretFile(path: secret, escaping: .tomlBasicString),
                .text("\"\n"),
              ]),
              mode: 0o600)))
      ])
    try Data("Digest u=\"s3cr3t\\\", a = \"b\"\tc ü\n".utf8).write(to: URL(fileURLWithPath: secret))
    guard let run = try Self.apply(plan, in: scratch, extra: ["-v"]) else { return }
    #expect(run.status == 0, "\(run.output)")
    #expect(
      Self.bytes("\(root)/hosts.toml")
        == #"Authorization = "Digest u=\"s3cr3t\\\", a = \"b\"\tc ü""# + "\n")
    #expect(Self.mode("\(root)/hosts.toml") == 0o600)
    #expect(!run.output.contains("s3cr3t"), "the secret was printed")

    for refused in ["s3cr3t\n[x]\n", "s3cr3t\u{1B}", "s3cr3t\r\n"] {
      try? FileManager.default.removeItem(atPath: "\(root)/hosts.toml")
      try Data(refused.utf8).write(to: URL(fileURLWithPath: secret))
      let bad = try #require(try Self.apply(plan, in: scratch, extra: ["-v"]))
      #expect(bad.status != 0, "\(refused.debugDescription) was accepted")
      #expect(bad.output.contains("nodespec: secret file \(secret) holds a line break"))
      #expect(!bad.output.contains("s3cr3t"), "the secret was printed")
      #expect(!FileManager.default.fileExists(atPath: "\(root)/hosts.toml"))
    }
    try Data([0x73, 0x33, 0xFF, 0x74]).write(to: URL(fileURLWithPath: secret))
    let binary = try #require(try Self.apply(plan, in: scratch))
    #expect(binary.status != 0)
    #expect(binary.output.contains("nodespec: secret file \(secret) holds a line break"))
  }

  /// As the shell target: the basic-auth credential made on the node has the same bytes.
  @Test func makesABasicAuthHeaderFromANodeFile() throws {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let root = scratch.appendingPathComponent("node").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let secret = "\(root)/registry.pass"
    let plan = Plan(
      name: "basic-auth", arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(root)/hosts.toml",
              content: .init([
                .text("Authorization = \"Basic "),
                .escapedSecretFile(path: secret, escaping: .basicAuth(username: "c{{ i }}")),
                .text("\"\n"),
              ]),
              mode: 0o600)))
      ])
    let password = "s3cr3t w:\"\\ü\t{{ x }}"
    try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: secret))
    guard let run = try Self.apply(plan, in: scratch, extra: ["-v"]) else { return }
    #expect(run.status == 0, "\(run.output)")
    let expected = Data("c{{ i }}:\(password)".utf8).base64EncodedString()
    #expect(Self.bytes("\(root)/hosts.toml") == "Authorization = \"Basic \(expected)\"\n")
    #expect(!run.output.contains("s3cr3t"), "the secret was printed")

    try? FileManager.default.removeItem(atPath: "\(root)/hosts.toml")
    try Data("s3cr3t\nX\n".utf8).write(to: URL(fileURLWithPath: secret))
    let bad = try #require(try Self.apply(plan, in: scratch, extra: ["-v"]))
    #expect(bad.status != 0)
    #expect(bad.output.contains("nodespec: secret file \(secret) holds a line break"))
    #expect(!bad.output.contains("s3cr3t"), "the secret was printed")
  }
}
