import Foundation
import Spec
import Testing

@testable import Compiler

@Suite struct NerdctlTests {
  @Test func configAndCompletion() throws {
    var components = seedComponents()
    components.nerdctl = component("nerdctl", "2.0.2", line: 40, completion: [.bash, .zsh, .fish])
    let p = try #require(compile(spec(components: components)).plan)
    let archive = try #require(p.artifact("nerdctl.archive"))
    #expect(archive.install == .archive(directory: "/usr/local/bin"))
    #expect(archive.provides.first == "/usr/local/bin/nerdctl")
    let config = try parseTOML(try #require(p.file("nerdctl.config")).content)
    #expect(p.file("nerdctl.config")?.path == "/etc/nerdctl/nerdctl.toml")
    #expect(lookup(config, "hosts_dir") as? [String] == ["/etc/containerd/certs.d"])
    let expected: [(String, String)] = [
      ("bash", "/usr/share/bash-completion/completions/nerdctl"),
      ("zsh", "/usr/share/zsh/vendor-completions/_nerdctl"),
      ("fish", "/usr/share/fish/vendor_completions.d/nerdctl.fish"),
    ]
    for (shell, path) in expected {
      guard case .command(let command)? = p.resource("nerdctl.completion.\(shell)")?.kind else {
        Issue.record("no \(shell) completion")
        continue
      }
      guard case .unless(let check) = command.guard else {
        Issue.record("the \(shell) completion has no freshness check")
        continue
      }
      #expect(Array(check.suffix(2)) == ["/usr/local/bin/nerdctl", path])
      #expect(command.user == nil)
      #expect(Array(command.argv.suffix(2)) == ["/usr/local/bin/nerdctl", path])
      #expect(command.argv[2].contains("completion \(shell)"))
      #expect(p.resource("nerdctl.completion.\(shell)")?.origin == line(43))
    }
  }

  @Test(arguments: ["2.0.0", "2.0.1"])
  func hostsBugVersionsWarn(_ version: String) {
    var components = seedComponents()
    components.nerdctl = component("nerdctl", version, line: 40)
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan != nil)
    #expect(diagnostics.ids == ["nerdctl-hosts-bug"])
    #expect(diagnostics.first("nerdctl-hosts-bug")?.range == line(40))
  }

  @Test func containerdTooOldForNerdctl22() throws {
    var components = seedComponents()
    components.nerdctl = component("nerdctl", "2.2.2", line: 40)
    components.containerd = component(
      "containerd", "1.6.36", line: 10,
      sha256: [ArchValue(arch: nil, value: String(repeating: "d", count: 64))])
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    let error = try #require(diagnostics.first("nerdctl-containerd-too-old"))
    #expect(error.range == line(40))
    #expect(error.notes.first?.range == line(10))
  }

  @Test func containerdNewerThanNerdctlKnows() {
    var components = seedComponents()
    components.nerdctl = component("nerdctl", "1.7.7", line: 40)
    let diagnostics = compile(spec(components: components)).diagnostics
    #expect(diagnostics.ids == ["nerdctl-containerd-untested"])
  }
}

@Suite struct BuildKitTests {
  @Test func containerdWorkerUnitsAndMirrors() throws {
    let mirrors = [
      Mirror(url: at("https://a.example", 111), range: line(111)),
      Mirror(
        url: at("http://mirror.internal:5000", 112), ca: [at("/ca.pem", 113)],
        skipVerify: at(true, 114),
        range: line(112)),
    ]
    let s = spec(
      components: seedComponents(),
      registries: [
        registry("docker.io", mirrors: mirrors),
        registry("ghcr.io", ["http://mirror.internal:5000/ghcr"], line: 200),
      ])
    let (plan, diagnostics) = compile(s)
    // The ghcr.io mirror's path is its API root (containerd gets override_path): `/ghcr`,
    // which BuildKit (`/v2/<path>`) cannot reach, so builds leave it out.
    #expect(diagnostics.ids == ["buildkit-mirror-path"])
    #expect(diagnostics.first("buildkit-mirror-path")?.range == line(210))
    let p = try #require(plan)
    #expect(p.artifact("buildkit.archive")?.install == .archive(directory: "/usr/local"))
    #expect(p.resource("buildkit.archive")?.notifies == ["buildkit.service"])
    #expect(
      p.resource("buildkit.socket.unit")?.notifies == ["buildkit.socket", "buildkit.service"])
    let unit = try #require(p.text("buildkit.unit"))
    #expect(
      unit.contains(
        "\nExecStart=/usr/local/bin/buildkitd --addr fd:// "
          + "--oci-worker=false --containerd-worker=true\n"))
    #expect(
      p.text("buildkit.socket.unit")?.contains("\nListenStream=%t/buildkit/buildkitd.sock\n")
        == true)
    guard case .service(let socket)? = p.resource("buildkit.socket")?.kind else {
      Issue.record("no socket service")
      return
    }
    #expect(socket.wantedBy == "sockets.target")

    let config = try parseTOML(try #require(p.file("buildkit.config")).content)
    #expect(p.file("buildkit.config")?.path == "/etc/buildkit/buildkitd.toml")
    #expect(p.resource("buildkit.config")?.notifies == ["buildkit.service"])
    #expect(lookup(config, "worker", "oci", "enabled") as? Bool == false)
    #expect(lookup(config, "worker", "containerd", "enabled") as? Bool == true)
    #expect(lookup(config, "worker", "containerd", "namespace") as? String == "default")
    #expect(
      lookup(config, "registry", "docker.io", "mirrors") as? [String]
        == ["a.example", "mirror.internal:5000"])
    #expect(lookup(config, "registry", "ghcr.io") == nil)
    // One table per mirror host, however many registries use it.
    #expect(lookup(config, "registry", "mirror.internal:5000", "http") as? Bool == true)
    #expect(lookup(config, "registry", "mirror.internal:5000", "insecure") as? Bool == true)
    #expect(lookup(config, "registry", "mirror.internal:5000", "ca") as? [String] == ["/ca.pem"])
    #expect(lookup(config, "registry", "a.example") == nil)
  }

  @Test func ociWorkerWithoutContainerd() throws {
    let components = Components(buildkit: component("buildkit", "0.18.1", line: 50))
    let p = try #require(compile(spec(components: components)).plan)
    #expect(
      p.text("buildkit.unit")?.contains("--oci-worker=true --containerd-worker=false") == true)
    let config = try parseTOML(try #require(p.file("buildkit.config")).content)
    #expect(lookup(config, "worker", "oci", "enabled") as? Bool == true)
  }

  @Test func containerdWorkerNeedsContainerd() {
    let components = Components(
      buildkit: component("buildkit", "0.18.1", line: 50, worker: .containerd))
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    #expect(diagnostics.first("buildkit-worker-needs-containerd")?.range == line(54))
  }
}

@Suite struct NerdctlFullTests {
  func full(_ version: String = "2.0.3", completion: [Component.Shell]? = nil) -> Components {
    Components(nerdctlFull: component("nerdctl-full", version, line: 60, completion: completion))
  }

  @Test func bundleAtUsrLocal() throws {
    let (plan, diagnostics) = compile(
      spec(arch: .auto, components: full(completion: [.bash]), kubernetes: kubernetes()))
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all)")
    let p = try #require(plan)
    #expect(
      p.ids == [
        "kubernetes.packages", "kubernetes.modules", "kubernetes.module.overlay", "kubernetes.module.br_netfilter",
        "kubernetes.sysctl", "kubernetes.sysctl.net.bridge.bridge-nf-call-iptables",
        "kubernetes.sysctl.net.bridge.bridge-nf-call-ip6tables",
        "kubernetes.sysctl.net.ipv4.ip_forward",
        "nerdctl-full.archive", "containerd.config", "nerdctl.config", "nerdctl.completion.bash",
        "buildkit.config", "containerd.service", "buildkit.service",
      ])
    let archive = try #require(p.artifact("nerdctl-full.archive"))
    #expect(archive.install == .archive(directory: "/usr/local"))
    #expect(archive.provides.contains("/usr/local/lib/systemd/system/containerd.service"))
    #expect(archive.provides.contains("/usr/local/lib/systemd/system/buildkit.service"))
    #expect(
      archive.sources.map(\.fileName) == [
        "nerdctl-full-2.0.3-linux-amd64.tar.gz", "nerdctl-full-2.0.3-linux-arm64.tar.gz",
      ])
    #expect(
      p.resource("nerdctl-full.archive")?.notifies == ["containerd.service", "buildkit.service"])
    // The bundle's CNI plugins live in libexec/cni; its containerd is 2.0.2 (v3 layout).
    let config = try parseTOML(try #require(p.file("containerd.config")).content)
    #expect(lookup(config, "version") as? Int == 3)
    #expect(
      lookup(config, "plugins", "io.containerd.cri.v1.runtime", "cni", "bin_dir") as? String
        == "/usr/local/libexec/cni")
  }

  @Test func otherPrefixGetsItsOwnUnits() throws {
    let p = try #require(compile(spec(prefix: "/opt/full", components: full())).plan)
    #expect(p.text("containerd.unit")?.contains("\nExecStart=/opt/full/bin/containerd\n") == true)
    let buildkit = try #require(p.text("buildkit.unit"))
    #expect(buildkit.contains("\nExecStart=/opt/full/bin/buildkitd\n"))
    #expect(!buildkit.contains("Description="))
  }

  @Test func cannotBeCombined() throws {
    var components = seedComponents()
    components.nerdctlFull = component("nerdctl-full", "2.0.3", line: 60)
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    let error = try #require(diagnostics.first("conflicting-components"))
    #expect(error.range == line(60))
    #expect(error.notes.count == 5)
  }

  @Test func hostsBugAndUnknownVersion() {
    #expect(compile(spec(components: full("2.0.1"))).diagnostics.ids == ["nerdctl-hosts-bug"])
    let diagnostics = compile(spec(components: full("1.7.7"))).diagnostics
    #expect(diagnostics.ids == ["unknown-version"])
    #expect(diagnostics.first("unknown-version")?.hint?.contains("1.7.6, 2.0.0") == true)
  }
}

@Suite struct KubernetesTests {
  @Test func prerequisitesComeFirst() throws {
    let p = try #require(compile(spec(components: seedComponents(), kubernetes: kubernetes())).plan)
    #expect(
      Array(p.ids.prefix(8)) == [
        "kubernetes.packages", "kubernetes.modules", "kubernetes.module.overlay", "kubernetes.module.br_netfilter",
        "kubernetes.sysctl", "kubernetes.sysctl.net.bridge.bridge-nf-call-iptables",
        "kubernetes.sysctl.net.bridge.bridge-nf-call-ip6tables",
        "kubernetes.sysctl.net.ipv4.ip_forward",
      ])
    #expect(p.file("kubernetes.modules")?.path == "/etc/modules-load.d/nodespec-kubernetes.conf")
    #expect(
      p.text("kubernetes.modules")
        == "# generated by nodespec, do not edit\noverlay\nbr_netfilter\n")
    #expect(p.file("kubernetes.sysctl")?.path == "/etc/sysctl.d/99-nodespec-kubernetes.conf")
    #expect(
      p.resource("kubernetes.sysctl.net.ipv4.ip_forward")?.kind
        == .sysctl(.init(key: "net.ipv4.ip_forward", value: "1")))
    #expect(p.resource("kubernetes.module.overlay")?.origin == line(83))
    #expect(p.resource("containerd.config") != nil)
  }

  @Test func noPrerequisites() throws {
    let p = try #require(
      compile(spec(components: seedComponents(), kubernetes: kubernetes(prerequisites: false))).plan
    )
    #expect(!p.ids.contains { $0.hasPrefix("kubernetes.") })
  }

  @Test func packagesFollowPrerequisites() throws {
    let p = try #require(compile(spec(components: seedComponents(), kubernetes: kubernetes())).plan)
    let resource = try #require(p.resource("kubernetes.packages"))
    #expect(resource.origin == line(83))
    guard case .packages(let packages) = resource.kind else {
      Issue.record("kubernetes.packages is \(resource.kind)")
      return
    }
    // kubeadm's mandatory `iptables` and `ip`, and conntrack under each family's name.
    #expect(packages.apt.contains("iptables") && packages.apt.contains("iproute2"))
    #expect(packages.dnf.contains("iproute") && packages.dnf.contains("conntrack"))
    #expect(packages.zypper.contains("conntrack-tools") && !packages.zypper.contains("conntrack"))
  }

  @Test(arguments: [(true, false), (false, true)])
  func packagesKeyDecides(prerequisites: Bool, packages: Bool) throws {
    var k = kubernetes(prerequisites: prerequisites)
    k.packages = at(packages, 84)
    let p = try #require(compile(spec(components: seedComponents(), kubernetes: k)).plan)
    #expect((p.resource("kubernetes.packages") != nil) == packages)
    #expect(p.resource("kubernetes.packages")?.origin == (packages ? line(84) : nil))
    #expect((p.resource("kubernetes.modules") != nil) == prerequisites)
  }

  @Test func needsContainerd() {
    let components = Components(runc: component("runc", "1.2.4", line: 20))
    let (plan, diagnostics) = compile(spec(components: components, kubernetes: kubernetes()))
    #expect(plan == nil)
    #expect(diagnostics.first("kubernetes-needs-containerd")?.range == line(80))
  }
}

@Suite struct LintTests {
  @Test(arguments: ["1.2.0", "1.2.2", "1.2.3", "1.3.0", "1.3.5", "1.4.0", "1.4.1"])
  func knownBadRunc(_ version: String) {
    var components = seedComponents()
    components.runc = component("runc", version, line: 20)
    let diagnostics = compile(spec(components: components)).diagnostics
    #expect(diagnostics.ids == ["known-bad-version"])
    #expect(diagnostics.first("known-bad-version")?.range == line(20))
  }

  @Test(arguments: ["1.2.4", "1.3.6", "1.4.2", "1.4.3", "1.1.15"])
  func goodRunc(_ version: String) {
    var components = seedComponents()
    components.runc = component("runc", version, line: 20)
    #expect(compile(spec(components: components)).diagnostics.all.isEmpty)
  }

  @Test func knownBadContainerd() {
    var components = seedComponents()
    components.containerd = component("containerd", "2.2.1", line: 10)
    components.nerdctl = component("nerdctl", "2.2.2", line: 40)
    #expect(compile(spec(components: components)).diagnostics.ids == ["known-bad-version"])
  }

  @Test func containerdWithoutRunc() {
    let components = Components(containerd: component("containerd", "2.0.0", line: 10))
    let diagnostics = compile(spec(components: components)).diagnostics
    #expect(diagnostics.ids == ["missing-runc"])
  }

  @Test func nerdctlWithoutContainerd() {
    let components = Components(nerdctl: component("nerdctl", "2.0.2", line: 40))
    let diagnostics = compile(spec(components: components)).diagnostics
    #expect(diagnostics.ids == ["nerdctl-without-containerd"])
    #expect(diagnostics.first("nerdctl-without-containerd")?.range == line(40))
  }

  @Test func staticNeeds17() {
    var components = seedComponents()
    components.containerd = component("containerd", "1.6.36", line: 10, isStatic: true)
    components.nerdctl = nil
    #expect(
      compile(spec(verify: .none, components: components)).diagnostics.ids.contains(
        "no-static-build"))
  }
}

@Suite struct AcceptTests {
  @Test func acceptedWarningIsNotReported() {
    var components = seedComponents()
    components.runc = component("runc", "1.2.2", line: 20)
    components.runc?.accept = [at("known-bad-version", 25)]
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan != nil)
    #expect(diagnostics.all.isEmpty)
  }

  @Test func acceptOnlyCoversItsOwnComponent() {
    var components = seedComponents()
    components.runc = component("runc", "1.2.2", line: 20)
    components.containerd?.accept = [at("known-bad-version", 15)]
    let diagnostics = compile(spec(components: components)).diagnostics
    #expect(diagnostics.ids.sorted() == ["known-bad-version", "unused-accept"])
    #expect(diagnostics.first("known-bad-version")?.range == line(20))
    #expect(diagnostics.first("unused-accept")?.range == line(15))
  }

  @Test func errorsCannotBeAccepted() {
    var components = seedComponents()
    components.containerd = component("containerd", "9.9.9", line: 10)
    components.containerd?.accept = [at("unknown-version", 15)]
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    #expect(diagnostics.first("unknown-version")?.range == line(10))
  }
}

/// The completion step's guard and command, run for real with a stand-in nerdctl: written
/// once, left alone while nerdctl prints the same, rewritten after an upgrade.
@Suite struct NerdctlCompletionRunTests {
  @Test func completionFollowsTheInstalledNerdctl() throws {
    var components = seedComponents()
    components.nerdctl = component("nerdctl", "2.0.2", line: 40, completion: [.bash])
    let plan = try #require(compile(spec(components: components)).plan)
    guard case .command(let command)? = plan.resource("nerdctl.completion.bash")?.kind,
      case .unless(let check) = command.guard
    else {
      Issue.record("no completion command")
      return
    }
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("nodespec-completion-\(getpid())")
    defer { try? FileManager.default.removeItem(at: root) }
    let fake = root.appendingPathComponent("nerdctl").path
    let file = root.appendingPathComponent("completions/nerdctl").path
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    func install(version: String) throws {
      try "#!/bin/sh\necho \"complete nerdctl \(version) $*\"\n".write(
        toFile: fake, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
    }
    // The plan's argv with the stand-in's paths in place of the node's.
    func run(_ argv: [String]) -> Int32 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: argv[0])
      process.arguments = Array(argv.dropFirst().dropLast(2)) + [fake, file]
      try? process.run()
      process.waitUntilExit()
      return process.terminationStatus
    }

    try install(version: "2.0.2")
    #expect(run(check) != 0, "no file yet: the step must run")
    #expect(run(command.argv) == 0)
    #expect(run(check) == 0, "same nerdctl: nothing to do")
    try install(version: "2.0.3")
    #expect(run(check) != 0, "an upgraded nerdctl prints other completions")
    #expect(run(command.argv) == 0)
    #expect(try String(contentsOfFile: file, encoding: .utf8).contains("2.0.3"))
  }
}
