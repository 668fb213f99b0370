import Spec
import Testing

@testable import Compiler

/// `runtimes:` and `default_runtime:`: crun downloaded and pinned, nvidia from the node's
/// packages, each a runc-shim entry in the pinned containerd's config.toml layout.
@Suite struct RuntimesTests {
  func runtimesSpec(
    containerd: String = "2.0.0", crun: String? = "1.17", nvidia: Bool = false,
    defaultRuntime: String? = nil, kubernetes k8s: Kubernetes? = kubernetes(),
    youki: Bool = false
  ) -> NodeSpec {
    var components = seedComponents()
    components.containerd = component("containerd", containerd, line: 10)
    var spec = spec(components: components, kubernetes: k8s)
    spec.runtimes.range = line(300)
    spec.runtimes.crun = crun.map { component("crun", $0, line: 301) }
    spec.runtimes.youki = youki ? component("youki", "0.5.7", line: 307) : nil
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
    for (name, binary) in [("crun", "/usr/local/bin/crun"),
                           ("nvidia", "/usr/bin/nvidia-container-runtime")] {
      #expect(at("containerd", "runtimes", name, "runtime_type") as? String == "io.containerd.runc.v2")
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

    let youki = compile(runtimesSpec(youki: true))
    #expect(youki.diagnostics.first("unsupported-runtime")?.range == line(307))

    var noConsumer = runtimesSpec(crun: nil, nvidia: true, kubernetes: nil)
    noConsumer.components.nerdctl = nil
    #expect(compile(noConsumer).diagnostics.first("nvidia-unused")?.range == line(310))

    let unread = compile(runtimesSpec(defaultRuntime: "crun", kubernetes: nil))
    #expect(unread.diagnostics.first("default-runtime-unused")?.range == line(320))
    #expect(!unread.diagnostics.hasErrors)
  }
}
