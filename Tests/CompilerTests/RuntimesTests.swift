import Spec
import Testing

@testable import Compiler

/// Compiles spec text through the real reader and decoder, so diagnostics point at lines.
private func compileText(_ text: String) -> (plan: Plan?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  guard
    let spec = SpecLoader.load(
      SourceFile(path: "runtimes.yaml", text: text), diagnostics: &diagnostics)
  else { return (nil, diagnostics) }
  var found = Diagnostics()
  let plan = Compiler.compile(spec, diagnostics: &found)
  for diagnostic in found.all { diagnostics.append(diagnostic) }
  return (plan, diagnostics)
}

/// `runtimes:` and `default_runtime:`: crun downloaded and pinned, nvidia from the node's
/// packages, each a runc-shim entry in the pinned containerd's config.toml layout.
@Suite struct RuntimesTests {
  func runtimesSpec(
    containerd: String = "2.0.0", crun: String? = "1.17", nvidia: Bool = false,
    defaultRuntime: String? = nil, kubernetes k8s: Kubernetes? = kubernetes(),
    youki: Bool = false, runsc: String? = nil, kata: Bool = false
  ) -> NodeSpec {
    var components = seedComponents()
    components.containerd = component("containerd", containerd, line: 10)
    var spec = spec(components: components, kubernetes: k8s)
    spec.runtimes.range = line(300)
    spec.runtimes.crun = crun.map { component("crun", $0, line: 301) }
    spec.runtimes.youki = youki ? component("youki", "0.5.7", line: 307) : nil
    spec.runtimes.runsc = runsc.map { component("runsc", $0, line: 308) }
    spec.runtimes.kata = kata ? component("kata", "3.7.0", line: 309) : nil
    spec.runtimes.nvidia = nvidia ? line(310) : nil
    spec.runtimes.defaultRuntime = defaultRuntime.map { at($0, 320) }
    return spec
  }

  func config(_ plan: Plan?) throws -> [String: Any] {
    let file = try #require(plan?.file("containerd.config"))
    return try parseTOML(try #require(file.content.literalText))
  }

  @Test(arguments: [
    ("1.7.34", ["plugins", "io.containerd.grpc.v1.cri"]),
    ("2.0.0", ["plugins", "io.containerd.cri.v1.runtime"]),
  ])
  func entriesFollowThePinnedLayout(_ version: String, _ table: [String]) throws {
    let (plan, diagnostics) = compile(
      runtimesSpec(containerd: version, nvidia: true, defaultRuntime: "crun"))
    #expect(!diagnostics.hasErrors, "\(diagnostics.ids)")
    let doc = try config(plan)
    func at(_ path: String...) -> Any? {
      var current: Any? = doc
      for key in table + path { current = (current as? [String: Any])?[key] }
      return current
    }
    #expect(at("containerd", "default_runtime_name") as? String == "crun")
    #expect(at("enable_cdi") as? Bool == true)
    for (name, binary) in [
      ("crun", "/usr/local/bin/crun"),
      ("nvidia", "/usr/bin/nvidia-container-runtime"),
    ] {
      #expect(
        at("containerd", "runtimes", name, "runtime_type") as? String == "io.containerd.runc.v2")
      #expect(at("containerd", "runtimes", name, "options", "BinaryName") as? String == binary)
      #expect(at("containerd", "runtimes", name, "options", "SystemdCgroup") as? Bool == true)
    }
    guard case .artifact(let crun)? = plan?.resource("runtimes.crun.binary")?.kind else {
      Issue.record("no crun download")
      return
    }
    #expect(
      crun.sources.first?.url
        == "https://github.com/containers/crun/releases/download/1.17/crun-1.17-linux-amd64")
    // kubespray v2.31.0's checksums.yml, crun_checksums.amd64["1.17"].
    #expect(
      crun.sources.first?.check
        == .sha256("e9512a3e034e781b2396d068fd24eafcd5788e410403da886df9dc8871d504a5"))
    #expect(crun.install == .binary(path: "/usr/local/bin/crun", mode: 0o755))
  }

  /// youki through runc's shim with `BinaryName`; gVisor through its own shim, without runc's
  /// options; both downloads verified (youki's sha256, gVisor's sha512, from kubespray).
  @Test(arguments: [
    ("1.7.34", ["plugins", "io.containerd.grpc.v1.cri"]),
    ("2.0.0", ["plugins", "io.containerd.cri.v1.runtime"]),
  ])
  func youkiAndRunsc(_ version: String, _ table: [String]) throws {
    let (plan, diagnostics) = compile(
      runtimesSpec(
        containerd: version, crun: nil, defaultRuntime: "runsc", youki: true,
        runsc: "20260817.0"))
    #expect(!diagnostics.hasErrors, "\(diagnostics.ids)")
    let doc = try config(plan)
    func at(_ path: String...) -> Any? {
      var current: Any? = doc
      for key in table + ["containerd"] + path { current = (current as? [String: Any])?[key] }
      return current
    }
    #expect(at("default_runtime_name") as? String == "runsc")
    #expect(at("runtimes", "youki", "runtime_type") as? String == "io.containerd.runc.v2")
    #expect(
      at("runtimes", "youki", "options", "BinaryName") as? String
        == "/usr/local/libexec/youki/youki")
    #expect(at("runtimes", "runsc", "runtime_type") as? String == "io.containerd.runsc.v1")
    #expect(at("runtimes", "runsc", "options") == nil)

    guard case .artifact(let youki)? = plan?.resource("runtimes.youki.archive")?.kind,
      case .artifact(let runsc)? = plan?.resource("runtimes.runsc.binary")?.kind,
      case .artifact(let shim)? = plan?.resource("runtimes.runsc.shim")?.kind
    else {
      Issue.record("missing downloads")
      return
    }
    #expect(
      youki.sources.first?.url
        == "https://github.com/youki-dev/youki/releases/download/v0.5.7/"
        + "youki-0.5.7-x86_64-gnu.tar.gz")
    // kubespray v2.31.0's checksums.yml, youki_checksums.amd64["0.5.7"].
    #expect(
      youki.sources.first?.check
        == .sha256("10077b1a4f013990a416acf15e6b397cf64b5d62008516a9711abc22730d8203"))
    #expect(youki.install == .archive(directory: "/usr/local/libexec/youki"))
    #expect(youki.provides == ["/usr/local/libexec/youki/youki"])
    let gvisor = "https://storage.googleapis.com/gvisor/releases/release/20260817.0/x86_64/"
    #expect(runsc.sources.first?.url == gvisor + "runsc")
    #expect(shim.sources.first?.url == gvisor + "containerd-shim-runsc-v1")
    // kubespray 46dbdd39's checksums.yml, gvisor_*_checksums.amd64["20260817.0"].
    #expect(
      runsc.sources.first?.check
        == .sha512(
          "84936438d583ec976800f464e75a83e1515f0890b451b9b4db219c4472b54ca9b106a6772ee683f1e64cce21"
            + "28871d7637b14d800591f8451b8137f6c39fb2ef"))
    #expect(
      shim.sources.first?.check
        == .sha512(
          "b60d1c418b841ab046951cc7a91f490a221198fbe81ec55dc364432578fddd44e97063793ce6651be397af2f"
            + "64ec47170dff77a45db277819c3fb08fec9f3ced"))
    #expect(shim.install == .binary(path: "/usr/local/bin/containerd-shim-runsc-v1", mode: 0o755))
  }

  /// Kata Containers: the kata-static `.tar.xz` (kubespray's pins) unpacked over `/` so that
  /// it lands in `/opt/kata`, the shim wrapper on containerd's `PATH`, the vhost modules now
  /// and at boot, a run-time warning without `/dev/kvm`, and the runtime table as kata's
  /// docs and kata-deploy write it, in the pinned containerd's layout.
  @Test(arguments: [
    ("1.7.34", ["plugins", "io.containerd.grpc.v1.cri"]),
    ("2.0.0", ["plugins", "io.containerd.cri.v1.runtime"]),
    ("2.3.0", ["plugins", "io.containerd.cri.v1.runtime"]),
  ])
  func kata(_ version: String, _ table: [String]) throws {
    let (plan, diagnostics) = compile(
      runtimesSpec(containerd: version, crun: nil, defaultRuntime: "kata", kata: true))
    #expect(!diagnostics.hasErrors, "\(diagnostics.ids)")
    let doc = try config(plan)
    func at(_ path: String...) -> Any? {
      var current: Any? = doc
      for key in table + ["containerd"] + path { current = (current as? [String: Any])?[key] }
      return current
    }
    #expect(at("default_runtime_name") as? String == "kata")
    #expect(at("runtimes", "kata", "runtime_type") as? String == "io.containerd.kata.v2")
    #expect(at("runtimes", "kata", "privileged_without_host_devices") as? Bool == true)
    #expect(at("runtimes", "kata", "pod_annotations") as? [String] == ["io.katacontainers.*"])
    #expect(
      at("runtimes", "kata", "options") as? [String: String]
        == ["ConfigPath": "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml"])

    guard case .artifact(let kata)? = plan?.resource("runtimes.kata.archive")?.kind else {
      Issue.record("no kata download")
      return
    }
    #expect(
      kata.sources.first?.url
        == "https://github.com/kata-containers/kata-containers/releases/download/3.7.0/"
        + "kata-static-3.7.0-amd64.tar.xz")
    // kubespray v2.31.0's checksums.yml, kata_containers_binary_checksums.amd64["3.7.0"].
    #expect(
      kata.sources.first?.check
        == .sha256("bebf218cafdc082476c7dabbcc5439aee6a41d6dda24dd3cfffbe0a6ae94e23d"))
    #expect(kata.install == .archive(directory: "/", format: .tarXz))
    #expect(
      kata.provides == [
        "/opt/kata/bin/containerd-shim-kata-v2",
        "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml",
      ])
    let shim = try #require(plan?.file("runtimes.kata.shim"))
    #expect(shim.path == "/usr/local/bin/containerd-shim-kata-v2")
    #expect(shim.mode == 0o755)
    #expect(
      shim.content.literalText
        == "#!/bin/sh\n# generated by nodespec, do not edit\n"
        + "exec /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")
    let modules = try #require(plan?.file("runtimes.kata.modules"))
    #expect(modules.path == "/etc/modules-load.d/nodespec-kata.conf")
    #expect(
      modules.content.literalText
        == "# generated by nodespec, do not edit\nvhost_vsock\nvhost_net\n")
    let ids = plan?.ids ?? []
    // In order: the release, the wrapper that runs it, the modules' file, then the modules.
    let kataIDs = ids.filter { $0.hasPrefix("runtimes.kata.") }
    #expect(
      kataIDs == [
        "runtimes.kata.archive", "runtimes.kata.shim", "runtimes.kata.modules",
        "runtimes.kata.module.vhost_vsock", "runtimes.kata.module.vhost_net",
      ])
    #expect(
      plan?.resource("runtimes.kata.module.vhost_net")?.kind
        == .kernelModule(.init(name: "vhost_net")))
    // containerd's config comes after the shim it names.
    #expect(
      (ids.firstIndex(of: "runtimes.kata.shim") ?? .max)
        < (ids.firstIndex(of: "containerd.config") ?? -1))
    #expect(plan?.warnings.map(\.path) == ["/dev/kvm"])
    #expect(plan?.warnings.first?.message.contains("nested virtualization") == true)
  }

  /// Without kata a plan warns about nothing at run time and has no kata table.
  @Test func withoutKataNoWarning() throws {
    let (plan, _) = compile(runtimesSpec())
    #expect(plan?.warnings == [])
    #expect(plan?.ids.contains { $0.hasPrefix("runtimes.kata") } == false)
  }

  /// kata names a catalog version only: other versions need `sha256:` and `url:` (as the
  /// system test's stand-in does), and arches kata publishes nothing for are refused.
  @Test func kataOverrides() throws {
    var spec = runtimesSpec(crun: nil, kata: true)
    spec.runtimes.kata?.version = at("3.99.0", 309)
    #expect(compile(spec).diagnostics.first("unknown-version")?.range == line(309))
    spec.runtimes.kata?.sha256 = [
      Located(ArchValue(arch: nil, value: String(repeating: "b", count: 64)), at: line(311))
    ]
    spec.runtimes.kata?.url = [
      Located(
        ArchValue(arch: nil, value: "http://127.0.0.1:8080/kata/kata-static-3.99.0-amd64.tar.xz"),
        at: line(312))
    ]
    let (plan, diagnostics) = compile(spec)
    #expect(!diagnostics.hasErrors, "\(diagnostics.ids)")
    guard case .artifact(let kata)? = plan?.resource("runtimes.kata.archive")?.kind else {
      Issue.record("no kata download")
      return
    }
    #expect(kata.sources.first?.url == "http://127.0.0.1:8080/kata/kata-static-3.99.0-amd64.tar.xz")
    #expect(kata.sources.first?.check == .sha256(String(repeating: "b", count: 64)))
    #expect(kata.install == .archive(directory: "/", format: .tarXz))
  }

  /// Rootless mode: youki (and crun) are installed for nerdctl to pick; runsc is refused at
  /// its line, with the reason.
  @Test func rootless() throws {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      runtimes:
        youki: 0.5.7
        runsc: "20260817.0"
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids == ["rootless-runtime"])
    #expect(diagnostics.first("rootless-runtime")?.range?.start.line == 9)

    let (youki, fine) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      runtimes:
        youki: 0.5.7
      """)
    #expect(fine.all.isEmpty, "\(fine.ids)")
    #expect(youki?.resource("runtimes.youki.archive") != nil)

    // Kata runs a VM per pod: refused at its line, with the reason.
    let (kata, refused) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      runtimes:
        youki: 0.5.7
        kata: 3.7.0
      """)
    #expect(kata == nil)
    #expect(refused.ids == ["rootless-runtime"])
    let reason = refused.first("rootless-runtime")
    #expect(reason?.range?.start.line == 9)
    #expect(reason?.message.contains("/dev/kvm") == true)
  }

  @Test func withoutRuntimesConfigStaysAsItWas() throws {
    let doc = try config(compile(runtimesSpec(crun: nil)).plan)
    let table = ["plugins", "io.containerd.cri.v1.runtime"]
    var runtime: Any? = doc
    for key in table { runtime = (runtime as? [String: Any])?[key] }
    #expect((runtime as? [String: Any])?["enable_cdi"] == nil)
    let runtimes = ((runtime as? [String: Any])?["containerd"] as? [String: Any])?["runtimes"]
    #expect((runtimes as? [String: Any])?.keys.sorted() == ["runc"])
  }

  @Test func lints() throws {
    let unknown = compile(runtimesSpec(defaultRuntime: "kata"))
    #expect(unknown.plan == nil)
    #expect(unknown.diagnostics.first("unknown-runtime")?.range == line(320))

    let oldContainerd = compile(runtimesSpec(containerd: "1.6.36", crun: nil, nvidia: true))
    #expect(oldContainerd.diagnostics.first("unsupported-runtime")?.range == line(310))

    var pinned = runtimesSpec(runsc: "20260817.0")
    let sha = ArchValue(arch: nil, value: String(repeating: "a", count: 64))
    pinned.runtimes.runsc?.sha256 = [Located(sha, at: line(311))]
    let override = compile(pinned)
    #expect(override.plan == nil)
    #expect(override.diagnostics.first("runsc-override")?.range == line(311))

    // `url:` is the folder of both files (an air-gapped copy of gVisor's bucket); the pins
    // still come from the catalog.
    var mirrored = runtimesSpec(runsc: "20260817.0")
    mirrored.runtimes.runsc?.url = [
      Located(
        ArchValue(arch: .amd64, value: "https://files.example/gvisor/x86_64/"), at: line(312))
    ]
    let folder = compile(mirrored)
    #expect(!folder.diagnostics.hasErrors, "\(folder.diagnostics.ids)")
    guard case .artifact(let shim)? = folder.plan?.resource("runtimes.runsc.shim")?.kind,
      case .artifact(let binary)? = folder.plan?.resource("runtimes.runsc.binary")?.kind
    else {
      Issue.record("no gVisor downloads")
      return
    }
    #expect(
      shim.sources.first?.url == "https://files.example/gvisor/x86_64/containerd-shim-runsc-v1")
    #expect(binary.sources.first?.url == "https://files.example/gvisor/x86_64/runsc")
    if case .sha512 = shim.sources.first?.check {} else { Issue.record("not the sha512 pin") }

    var noConsumer = runtimesSpec(crun: nil, nvidia: true, kubernetes: nil)
    noConsumer.components.nerdctl = nil
    #expect(compile(noConsumer).diagnostics.first("nvidia-unused")?.range == line(310))

    let unread = compile(runtimesSpec(defaultRuntime: "crun", kubernetes: nil))
    #expect(unread.diagnostics.first("default-runtime-unused")?.range == line(320))
    #expect(!unread.diagnostics.hasErrors)
  }
}
