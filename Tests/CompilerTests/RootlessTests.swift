import Foundation
import Spec
import Testing

@testable import Compiler

/// Compiles spec text (through the real reader and decoder), so diagnostics point at lines.
private func compileText(_ text: String) -> (plan: Plan?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  guard
    let spec = SpecLoader.load(
      SourceFile(path: "rootless.yaml", text: text), diagnostics: &diagnostics)
  else { return (nil, diagnostics) }
  var found = Diagnostics()
  let plan = Compiler.compile(spec, diagnostics: &found)
  for diagnostic in found.all { diagnostics.append(diagnostic) }
  if let plan { checkInvariants(plan) }
  return (plan, diagnostics)
}

private let fullSpec = """
  nodespec: 1
  arch: amd64
  mode: rootless
  user: builder
  components:
    nerdctl-full: 2.0.3
  registries:
    docker.io:
      mirrors: [https://docker.m.daocloud.io]

  """

private let sha = String(repeating: "a", count: 64)

@Suite struct RootlessTests {
  @Test func nerdctlFullPlanInOrder() throws {
    let (plan, diagnostics) = compileText(fullSpec)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let ids = try #require(plan).ids
    #expect(
      ids == [
        "rootless.script", "rootless.user", "rootless.packages", "rootless.subids",
        "rootless.delegation", "rootless.delegation.reload", "rootless.sysctl",
        "rootless.sysctl.kernel.unprivileged_userns_clone", "rootless.apparmor",
        "rootless.apparmor.load", "rootless.linger", "rootless.manager",
        "rootless.folder.config", "rootless.folder.containerd", "rootless.folder.certs",
        "rootless.folder.certs.docker.io", "rootless.folder.nerdctl", "rootless.folder.buildkit",
        "nerdctl-full.archive", "containerd.config", "nerdctl.config", "buildkit.config",
        "registry.docker.io.hosts",
        "rootless.setup.containerd", "rootless.setup.buildkit", "containerd.service",
        "default-buildkit.service",
      ])
  }

  @Test func configurationUnderTheUsersConfigOwnedByTheUser() throws {
    let plan = try #require(compileText(fullSpec).plan)
    let owner = Ownership(user: "builder", group: "builder")
    let files = [
      ("registry.docker.io.hosts", "/home/builder/.config/containerd/certs.d/docker.io/hosts.toml"),
      ("containerd.config", "/home/builder/.config/containerd/config.toml"),
      ("nerdctl.config", "/home/builder/.config/nerdctl/nerdctl.toml"),
      ("buildkit.config", "/home/builder/.config/buildkit/buildkitd.toml"),
    ]
    for (id, path) in files {
      #expect(plan.file(id)?.path == path, "\(id)")
      #expect(plan.file(id)?.owner == owner, "\(id)")
    }
    #expect(
      plan.text("nerdctl.config")?.contains(
        "hosts_dir = [\"/home/builder/.config/containerd/certs.d\"]") == true)
    // No system unit is enabled: the runtime runs in the user's manager only.
    for case .service(let service) in plan.resources.map(\.kind) {
      #expect(service.scope == .user("builder"), "\(service.unit)")
      #expect(service.unitPath.hasPrefix("/home/builder/.config/systemd/user/"))
      #expect(service.wantedBy == "default.target")
    }
    // Folders the files go into are the user's, not root's (the file contract would make
    // missing parents as root).
    guard case .directory(let config)? = plan.resource("rootless.folder.config")?.kind else {
      Issue.record("no ~/.config folder")
      return
    }
    #expect(config.path == "/home/builder/.config" && config.owner == owner)
  }

  @Test func homeKeyMovesEveryPath() throws {
    let text = fullSpec.replacingOccurrences(
      of: "user: builder\n", with: "user: builder\nhome: /srv/b/\n")
    let plan = try #require(compileText(text).plan)
    #expect(plan.file("nerdctl.config")?.path == "/srv/b/.config/nerdctl/nerdctl.toml")
    guard case .command(let setup)? = plan.resource("rootless.setup.containerd")?.kind else {
      Issue.record("no setup command")
      return
    }
    #expect(setup.guard == .creates("/srv/b/.config/systemd/user/containerd.service"))
  }

  @Test func setupToolRunsAsTheUserGuardedAndOnlyUnderSystemd() throws {
    let plan = try #require(compileText(fullSpec).plan)
    let containerd = try #require(plan.resource("rootless.setup.containerd"))
    let buildkit = try #require(plan.resource("rootless.setup.buildkit"))
    #expect(containerd.condition == .systemdRunning && buildkit.condition == .systemdRunning)
    guard case .command(let install) = containerd.kind, case .command(let kit) = buildkit.kind
    else {
      Issue.record("not commands")
      return
    }
    #expect(install.user == "builder")
    #expect(install.argv == ["/usr/local/bin/containerd-rootless-setuptool.sh", "install"])
    #expect(install.guard == .creates("/home/builder/.config/systemd/user/containerd.service"))
    #expect(kit.argv.last == "install-buildkit-containerd")
    #expect(
      kit.environment.contains(EnvironmentVariable(name: "CONTAINERD_NAMESPACE", value: "default")))
    #expect(kit.guard == .creates("/home/builder/.config/systemd/user/default-buildkit.service"))
    // A changed buildkitd.toml restarts the user's BuildKit unit.
    #expect(plan.resource("buildkit.config")?.notifies == ["default-buildkit.service"])
  }

  @Test func ociWorkerUsesInstallBuildkit() throws {
    let text = """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        containerd: 2.0.0
        runc: 1.2.4
        nerdctl: 2.0.2
        buildkit: { version: 0.18.1, worker: oci }
        rootlesskit: { version: 2.3.2, sha256: \(sha) }
        slirp4netns: { version: 1.3.1, sha256: \(sha) }

      """
    let (plan, diagnostics) = compileText(text)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let p = try #require(plan)
    guard case .command(let kit)? = p.resource("rootless.setup.buildkit")?.kind else {
      Issue.record("no buildkit setup")
      return
    }
    #expect(kit.argv.last == "install-buildkit")
    #expect(p.resource("buildkit.service") != nil)
    #expect(p.resource("buildkit.socket") == nil && p.resource("containerd.unit") == nil)
    let rootlesskit = try #require(p.artifact("rootlesskit.archive"))
    #expect(rootlesskit.sources.first?.fileName == "rootlesskit-x86_64.tar.gz")
    #expect(
      rootlesskit.sources.first?.url
        == "https://github.com/rootless-containers/rootlesskit/releases/download/v2.3.2/"
        + "rootlesskit-x86_64.tar.gz")
    #expect(rootlesskit.install == .archive(directory: "/usr/local/bin"))
    let slirp = try #require(p.artifact("slirp4netns.binary"))
    #expect(slirp.sources.first?.fileName == "slirp4netns-x86_64")
    #expect(slirp.install == .binary(path: "/usr/local/bin/slirp4netns", mode: 0o755))
  }

  @Test func rootlesskitVerifiedByItsPublishedSums() throws {
    let text = """
      nodespec: 1
      arch: arm64
      mode: rootless
      user: builder
      downloads: { verify: published }
      components:
        containerd: 2.0.0
        runc: 1.2.4
        nerdctl: 2.0.2
        rootlesskit: 2.3.2
        slirp4netns: { version: 1.3.1, sha256: \(sha) }

      """
    let plan = try #require(compileText(text).plan)
    let source = try #require(plan.artifact("rootlesskit.archive")?.sources.first)
    #expect(source.fileName == "rootlesskit-aarch64.tar.gz")
    #expect(
      source.check
        == .published(
          checksumURL:
            "https://github.com/rootless-containers/rootlesskit/releases/download/v2.3.2/SHA256SUMS"
        ))
  }

  @Test func prerequisitesAreGuarded() throws {
    let plan = try #require(compileText(fullSpec).plan)
    let script = "/usr/local/libexec/nodespec/rootless.sh"
    func command(_ id: String) -> Command? {
      if case .command(let c)? = plan.resource(id)?.kind { c } else { nil }
    }
    #expect(
      command("rootless.subids")?.guard == .unless(["/bin/sh", script, "has-subids", "builder"]))
    #expect(command("rootless.linger")?.guard == .creates("/var/lib/systemd/linger/builder"))
    #expect(plan.resource("rootless.manager")?.condition == .systemdRunning)
    #expect(
      plan.resource("rootless.apparmor")?.condition
        == .pathExists("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"))
    #expect(plan.file("rootless.apparmor")?.path == "/etc/apparmor.d/usr.local.bin.rootlesskit")
    #expect(
      plan.text("rootless.apparmor")?.contains("/usr/local/bin/rootlesskit flags=(unconfined) {")
        == true)
    #expect(
      plan.resource("rootless.sysctl.kernel.unprivileged_userns_clone")?.condition
        == .pathExists("/proc/sys/kernel/unprivileged_userns_clone"))
    #expect(
      plan.text("rootless.delegation")?.hasSuffix("[Service]\nDelegate=cpu cpuset io memory pids\n")
        == true)
    guard case .packages(let packages)? = plan.resource("rootless.packages")?.kind else {
      Issue.record("no packages")
      return
    }
    #expect(packages.apt == ["uidmap", "dbus-user-session"])
    #expect(packages.dnf == ["shadow-utils", "dbus-daemon"])
    #expect(packages.zypper == ["shadow"])
  }

  @Test func noAppArmorProfileForUsrBin() throws {
    let text = fullSpec.replacingOccurrences(
      of: "arch: amd64\n", with: "arch: amd64\nprefix: /usr\n")
    let plan = try #require(compileText(text).plan)
    #expect(plan.resource("rootless.apparmor") == nil)
  }

  @Test(arguments: [
    (
      "nodespec: 1\nmode: rootless\ncomponents: { nerdctl-full: 2.0.3 }\n", "rootless-needs-user", 2
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: root\ncomponents: { nerdctl-full: 2.0.3 }\n",
      "rootless-root-user", 3
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: b\ncomponents: { nerdctl-full: 2.0.3 }\nkubernetes: {}\n",
      "rootless-kubernetes", 5
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: b\ncomponents:\n  containerd: 2.0.0\n",
      "rootless-needs-nerdctl", 5
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: b\ncomponents:\n  containerd: 2.0.0\n  nerdctl: 2.0.2\n",
      "rootless-needs-rootlesskit", 5
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: b\ncomponents:\n  containerd: 2.0.0\n  nerdctl: 2.0.2\n",
      "rootless-needs-slirp4netns", 5
    ),
    (
      "nodespec: 1\nmode: rootless\nuser: b\ncomponents:\n  nerdctl-full: 2.0.3\n"
        + "  rootlesskit: 2.3.2\n", "conflicting-components", 5
    ),
  ])
  func errors(text: String, id: String, line: Int) {
    let (plan, diagnostics) = compileText(text)
    #expect(plan == nil)
    let found = diagnostics.first(id)
    #expect(found?.severity == .error, "\(diagnostics.ids)")
    #expect(found?.range?.start.line == line)
  }

  @Test(arguments: [
    "http://localhost:5000", "https://127.0.0.1", "http://[::1]:5000", "LOCALHOST",
  ])
  func loopbackMirrorWarns(mirror: String) throws {
    let text = fullSpec.replacingOccurrences(
      of: "https://docker.m.daocloud.io", with: "'\(mirror)'")
    let (plan, diagnostics) = compileText(text)
    #expect(plan != nil)
    let warning = try #require(diagnostics.first("rootless-loopback-mirror"))
    #expect(warning.severity == .warning)
    #expect(warning.range?.start.line == 9)
  }

  @Test func privilegedPortIsFine() {
    let text = fullSpec.replacingOccurrences(
      of: "https://docker.m.daocloud.io", with: "https://mirror.internal:444")
    #expect(compileText(text).diagnostics.all.isEmpty)
  }

  @Test func rootlessComponentsIgnoredInRootMode() {
    let text = """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.0.0
        runc: 1.2.4
        slirp4netns: { version: 1.3.1, sha256: \(sha) }

      """
    let (plan, diagnostics) = compileText(text)
    #expect(diagnostics.first("rootless-component-ignored")?.range?.start.line == 6)
    #expect(plan?.resource("slirp4netns.binary") == nil)
  }

  @Test func homeIsCheckedAndRootlessOnly() {
    let root = compileText("nodespec: 1\nhome: /srv/b\ncomponents: { containerd: 2.0.0 }\n")
    #expect(root.diagnostics.first("home-ignored")?.range?.start.line == 2)
    let relative = compileText(
      fullSpec.replacingOccurrences(
        of: "user: builder\n", with: "user: builder\nhome: srv/b\n"))
    #expect(relative.diagnostics.first("invalid-home")?.range?.start.line == 5)
    let slash = compileText(
      fullSpec.replacingOccurrences(
        of: "user: builder\n", with: "user: builder\nhome: /\n"))
    #expect(slash.plan == nil)
    #expect(slash.diagnostics.first("invalid-home")?.range?.start.line == 5)
  }

  @Test func rootModeUnchanged() throws {
    let text = fullSpec.replacingOccurrences(of: "mode: rootless\nuser: builder\n", with: "")
    let plan = try #require(compileText(text).plan)
    #expect(!plan.ids.contains { $0.hasPrefix("rootless.") })
    #expect(plan.file("nerdctl.config")?.path == "/etc/nerdctl/nerdctl.toml")
    #expect(plan.file("nerdctl.config")?.owner == nil)
  }
}

/// The helper script is fixed text the node runs with /bin/sh: shellcheck it as POSIX sh.
@Suite struct RootlessScriptTests {
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/shellcheck")))
  func passesShellcheck() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/shellcheck")
    process.arguments = ["-s", "sh", "-"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(RootlessScript.text.utf8))
    try input.fileHandleForWriting.close()
    let report = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(String(decoding: report, as: UTF8.self))")
  }
}
