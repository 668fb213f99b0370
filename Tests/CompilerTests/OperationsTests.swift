import Foundation
import Spec
import Testing

@testable import Compiler

/// Compiles spec text through the real reader and decoder, so diagnostics point at lines.
private func compileText(_ text: String) -> (plan: Plan?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  guard
    let spec = SpecLoader.load(SourceFile(path: "ops.yaml", text: text), diagnostics: &diagnostics)
  else { return (nil, diagnostics) }
  var found = Diagnostics()
  let plan = Compiler.compile(spec, diagnostics: &found)
  for diagnostic in found.all { diagnostics.append(diagnostic) }
  if let plan { checkInvariants(plan) }
  return (plan, diagnostics)
}

/// The line a diagnostic with this id points at, or nil.
private func lineOf(_ id: String, in diagnostics: Diagnostics) -> Int? {
  diagnostics.first(id)?.range?.start.line
}

/// containerd's config.toml: always written with the conf.d import, data folders and
/// `settings:` merged, collisions and unknown keys reported at their lines.
@Suite struct ContainerdSettingsTests {
  @Test(arguments: ["1.7.24", "2.0.0", "2.1.1", "2.3.4"])
  func configWithoutKubernetesImportsConfD(version: String) throws {
    let (compiled, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd: \(version)
        runc: 1.2.4
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let plan = try #require(compiled)
    let resource = try #require(plan.resource("containerd.config"))
    #expect(resource.notifies == ["containerd.service"])
    let toml = try parseTOML(try #require(plan.file("containerd.config")).content)
    #expect(toml["imports"] as? [String] == ["/etc/containerd/conf.d/*.toml"])
    #expect(toml["plugins"] == nil)
    // Nothing of nodespec's lands in the drop-in folder.
    #expect(
      !plan.resources.contains { resource in
        switch resource.kind {
        case .file(let file): file.path.hasPrefix("/etc/containerd/conf.d")
        case .directory(let directory): directory.path.hasPrefix("/etc/containerd/conf.d")
        default: false
        }
      })
  }

  @Test func settingsAndDataFoldersMerge() throws {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: 2.1.1
          root: /srv/containerd
          state: /run/containerd-main
          accept: data-folder-not-moved
          settings:
            oom_score: -999
            plugins:
              io.containerd.cri.v1.runtime:
                max_container_log_line_size: 32768
                containerd:
                  runtimes:
                    runc:
                      options: {BinaryName: /usr/local/sbin/runc}
              io.containerd.transfer.v1.local:
                unpack_config: [{platform: linux/amd64, snapshotter: overlayfs}]
        runc: 1.2.4
      kubernetes: {}
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let toml = try parseTOML(try #require(plan?.file("containerd.config")).content)
    #expect(toml["root"] as? String == "/srv/containerd")
    #expect(toml["state"] as? String == "/run/containerd-main")
    #expect(toml["oom_score"] as? Int == -999)
    let runtime = "io.containerd.cri.v1.runtime"
    #expect(lookup(toml, "plugins", runtime, "max_container_log_line_size") as? Int == 32768)
    let options = lookup(toml, "plugins", runtime, "containerd", "runtimes", "runc", "options")
    #expect((options as? [String: Any])?["SystemdCgroup"] as? Bool == true)
    #expect((options as? [String: Any])?["BinaryName"] as? String == "/usr/local/sbin/runc")
    let unpack = lookup(toml, "plugins", "io.containerd.transfer.v1.local", "unpack_config")
    #expect((unpack as? [[String: Any]])?.first?["snapshotter"] as? String == "overlayfs")
  }

  @Test func dataFoldersWarnAtTheirLines() throws {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: 2.1.1
          root: /srv/containerd
        runc: 1.2.4
      """)
    #expect(plan != nil)
    #expect(diagnostics.ids == ["data-folder-not-moved"])
    #expect(lineOf("data-folder-not-moved", in: diagnostics) == 6)
  }

  @Test(arguments: [
    (
      "plugins:\n        io.containerd.cri.v1.images:\n          pinned_images: {sandbox: x}", 9,
      "kubernetes.sandbox_image"
    ),
    (
      "plugins:\n        io.containerd.cri.v1.runtime:\n          containerd:\n            runtimes:\n              runc:\n                options: {SystemdCgroup: false}",
      12,
      "kubernetes.cgroup_driver"
    ),
    (
      "plugins:\n        io.containerd.cri.v1.images:\n          registry: {config_path: /x}", 9,
      "registries"
    ),
    ("root: /srv/x", 7, "components.containerd.root"),
    ("imports: [/x/*.toml]", 7, "nodespec"),
    ("version: 2", 7, "components.containerd.version"),
    // A value where nodespec writes a table.
    ("plugins:\n        io.containerd.cri.v1.images: 3", 8, "kubernetes"),
  ])
  func collisionsAreErrorsNamingTheSpecKey(setting: String, line: Int, manager: String) {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: 2.1.1
          settings:
            \(setting)
        runc: 1.2.4
      kubernetes: {}
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids == ["managed-setting"], "\(diagnostics.ids)")
    #expect(lineOf("managed-setting", in: diagnostics) == line)
    let message = diagnostics.first("managed-setting")?.message ?? ""
    #expect(message.contains(manager == "nodespec" ? "conf.d" : "`\(manager)`"), "\(message)")
  }

  @Test(arguments: [
    // 1.x's CRI table on 2.x.
    ("2.1.1", "plugins:\n        io.containerd.grpc.v1.cri:\n          sandbox_image: x", 9),
    // A misspelt key of a known table.
    (
      "2.1.1",
      "plugins:\n        io.containerd.cri.v1.runtime:\n          max_container_log_line_sise: 1", 9
    ),
    // plugin_dir went away in 2.1.
    ("2.1.1", "plugin_dir: /x", 7),
    ("1.7.24", "grpc:\n        adress: /x", 8),
  ])
  func keysTheVersionDoesNotReadAreWarnings(version: String, setting: String, line: Int) {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: \(version)
          settings:
            \(setting)
        runc: 1.2.4
      """)
    #expect(plan != nil)
    #expect(diagnostics.ids == ["unknown-setting"], "\(diagnostics.ids)")
    #expect(lineOf("unknown-setting", in: diagnostics) == line)
  }

  @Test func keysOfOtherPluginsAndKnownKeysPass() {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: 1.7.24
          settings:
            plugin_dir: /x
            plugins:
              io.containerd.grpc.v1.cri:
                max_container_log_line_size: 1
              io.containerd.snapshotter.v1.overlayfs: {upperdir_label: true}
        runc: 1.2.4
      """)
    #expect(plan != nil)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
  }

  @Test(arguments: [
    ("root: /tmp/containerd", "unsafe-data-folder"),
    ("root: srv/containerd", "invalid-path"),
    ("state: /home/x", "unsafe-data-folder"),
    ("settings: {oom_score: yes}", "not-a-boolean"),
    ("settings: {oom_score: }", "type-mismatch"),
    ("settings: [1]", "type-mismatch"),
  ])
  func badValuesAreRefusedAtTheirLine(option: String, id: String) {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      components:
        containerd:
          version: 2.1.1
          \(option)
        runc: 1.2.4
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids.first == id, "\(diagnostics.ids)")
    #expect(lineOf(id, in: diagnostics) == 5)
  }

  @Test func settingsTypesFollowTOML() throws {
    let (plan, _) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd:
          version: 2.1.1
          settings:
            plugins:
              io.containerd.snapshotter.v1.overlayfs:
                a: true
                b: "true"
                c: 12
                d: "12"
                e: 0.5
                f: 1.10
                g: 012
                h: [1, two]
        runc: 1.2.4
      """)
    let toml = try parseTOML(try #require(plan?.file("containerd.config")).content)
    let table = try #require(
      lookup(toml, "plugins", "io.containerd.snapshotter.v1.overlayfs") as? [String: Any])
    #expect(table["a"] as? Bool == true)
    #expect(table["b"] as? String == "true")
    #expect(table["c"] as? Int == 12)
    #expect(table["d"] as? String == "12")
    #expect(table["e"] as? Double == 0.5)
    #expect(table["f"] as? Double == 1.1)
    #expect(table["g"] as? String == "012")
    #expect((table["h"] as? [Any])?.count == 2)
  }

  @Test func rootlessWritesTheUsersConfigAndRefusesDataFolders() throws {
    let text = """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      """
    let (plan, diagnostics) = compileText(text)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let file = try #require(plan?.file("containerd.config"))
    #expect(file.path == "/home/builder/.config/containerd/config.toml")
    #expect(file.owner == Ownership(user: "builder", group: "builder"))
    let toml = try parseTOML(file.content)
    #expect(toml["imports"] as? [String] == ["/home/builder/.config/containerd/conf.d/*.toml"])

    let (refused, errors) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        containerd: {version: 2.0.0, state: /srv/state}
        nerdctl: 2.0.2
        rootlesskit: {version: 2.3.1, sha256: \(String(repeating: "a", count: 64))}
        slirp4netns: {version: 1.3.1, sha256: \(String(repeating: "b", count: 64))}
      """)
    #expect(refused == nil)
    #expect(errors.ids.contains("rootless-data-folder"), "\(errors.ids)")
    #expect(lineOf("rootless-data-folder", in: errors) == 6)
  }

  /// The Swift table the compiler reads is the one the script makes from the JSON.
  @Test func keyTableIsGeneratedFromTheJSON() throws {
    let result = try runScript(
      "containerd-config-keys.py",
      ["--swift", repositoryRoot + "/catalog/containerd-config-keys.json"])
    #expect(result.status == 0)
    let checkedIn = try String(
      contentsOfFile: repositoryRoot + "/Sources/Compiler/ContainerdConfigKeys+Data.swift",
      encoding: .utf8)
    #expect(result.output == checkedIn, "run scripts/containerd-config-keys.py --swift")
  }

  @Test func keySetPerVersion() throws {
    #expect(ContainerdConfigKeys.forVersion(SemanticVersion("2.1.9")!)?.tag == "v2.1.0")
    #expect(ContainerdConfigKeys.forVersion(SemanticVersion("1.7.22")!)?.tag == "v1.7.20")
    #expect(ContainerdConfigKeys.forVersion(SemanticVersion("1.7.30")!)?.tag == "v1.7.24")
    #expect(ContainerdConfigKeys.forVersion(SemanticVersion("1.6.20")!) == nil)
    let keys = try #require(ContainerdConfigKeys.forVersion(SemanticVersion("2.0.0")!))
    #expect(keys.reads(["root"]) == true)
    #expect(keys.reads(["proxy_plugins", "x", "address"]) == true)
    #expect(keys.reads(["plugins", "io.containerd.other.v1.x", "y"]) == nil)
  }
}

/// nerdctl's namespace: `k8s.io` on a Kubernetes node, or the spec's.
@Suite struct NerdctlNamespaceTests {
  @Test(
    arguments: [
      ("kubernetes: {}", "", "k8s.io"),
      ("", "", nil),
      ("kubernetes: {}", "\n    namespace: builds", "builds"),
      ("", "\n    namespace: my_ns-1.x", "my_ns-1.x"),
    ] as [(String, String, String?)])
  func namespace(kubernetes: String, option: String, expected: String?) throws {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.0.0
        runc: 1.2.4
        nerdctl:
          version: 2.0.2\(option)
      \(kubernetes)
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let toml = try parseTOML(try #require(plan?.file("nerdctl.config")).content)
    #expect(toml["namespace"] as? String == expected)
    #expect(toml["hosts_dir"] as? [String] == ["/etc/containerd/certs.d"])
  }

  @Test(arguments: ["k8s io", ".k8s", "a..b", "-a", String(repeating: "a", count: 77), "ns/x"])
  func invalidNamespaces(name: String) {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      components:
        nerdctl: {version: 2.0.2, namespace: "\(name)"}
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids == ["invalid-namespace"], "\(diagnostics.ids)")
    #expect(lineOf("invalid-namespace", in: diagnostics) == 3)
  }
}

/// `proxy:`: drop-ins for containerd and BuildKit that restart them, the downloads'
/// environment, and the Kubernetes no_proxy warning.
@Suite struct ProxyTests {
  static let proxy = """
    proxy:
      http: http://proxy.corp.example:3128
      https: http://proxy.corp.example:3128
      no_proxy: [localhost, 127.0.0.1, 10.0.0.0/8, .svc, .cluster.local]
    """

  @Test func dropInsRestartTheirServices() throws {
    let (compiled, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.1.1
        runc: 1.2.4
        buildkit: 0.18.1
      kubernetes: {}
      \(Self.proxy)
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let plan = try #require(compiled)
    for unit in ["containerd.service", "buildkit.service"] {
      let resource = try #require(plan.resource("proxy.\(unit)"))
      #expect(resource.notifies == [unit])
      let file = try #require(plan.file("proxy.\(unit)"))
      #expect(file.path == "/etc/systemd/system/\(unit).d/nodespec-proxy.conf")
      let text = try #require(file.content.literalText)
      #expect(text.contains("Environment=\"HTTPS_PROXY=http://proxy.corp.example:3128\"\n"))
      #expect(text.contains("Environment=\"https_proxy=http://proxy.corp.example:3128\"\n"))
      #expect(
        text.contains(
          "Environment=\"no_proxy=localhost,127.0.0.1,10.0.0.0/8,.svc,.cluster.local\"\n"))
    }
    #expect(
      plan.downloadEnvironment.map { $0.name } == [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
      ])
  }

  @Test func rootlessDropInsAreTheUsers() throws {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      proxy: {https: http://proxy.corp.example:3128}
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let file = try #require(plan?.file("proxy.containerd.service"))
    #expect(
      file.path
        == "/home/builder/.config/systemd/user/containerd.service.d/nodespec-proxy.conf")
    #expect(file.owner == Ownership(user: "builder", group: "builder"))
    #expect(plan?.resource("proxy.default-buildkit.service") != nil)
  }

  @Test func kubernetesWithoutClusterSuffixesWarns() {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.1.1
        runc: 1.2.4
      kubernetes: {}
      proxy:
        http: http://proxy.corp.example:3128
        no_proxy: [localhost, 10.0.0.0/8]
      """)
    #expect(plan != nil)
    #expect(diagnostics.ids == ["no-proxy-kubernetes"])
    #expect(lineOf("no-proxy-kubernetes", in: diagnostics) == 9)
    #expect(diagnostics.first("no-proxy-kubernetes")?.message.contains("`.svc`") == true)
  }

  @Test(arguments: [
    ("http: http://user:secret@proxy:3128", "invalid-url", 3),
    ("http: http://proxy:3128/?x=1", "invalid-url", 3),
    ("http: proxy:3128", "invalid-url", 3),
    ("no_proxy: [\"a b\"]\n  http: http://proxy:3128", "invalid-no-proxy", 3),
    ("no_proxy: [localhost]", "missing-key", 2),
  ])
  func badProxiesAreRefused(entry: String, id: String, line: Int) {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      proxy:
        \(entry)
      components:
        runc: 1.2.4
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids.first == id, "\(diagnostics.ids)")
    #expect(lineOf(id, in: diagnostics) == line)
  }

  @Test func systemdQuoting() {
    #expect(ProxyModule.quoted("A=b%c\"d\\e") == "\"A=b%%c\\\"d\\\\e\"")
  }
}

/// crictl: pinned from kubespray, `/etc/crictl.yaml` at containerd's socket, refused rootless.
@Suite struct CrictlTests {
  @Test func installsAndPointsAtContainerd() throws {
    let (compiled, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.1.1
        runc: 1.2.4
        crictl: 1.32.0
      kubernetes: {}
      """)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
    let plan = try #require(compiled)
    let artifact = try #require(plan.artifact("crictl.archive"))
    #expect(
      artifact.sources.first?.url
        == "https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.32.0/"
        + "crictl-v1.32.0-linux-amd64.tar.gz")
    // kubespray v2.28.0's checksums.yml.
    #expect(
      artifact.sources.first?.check
        == .sha256("f050b71d3a73a91a4e0990b90143ed04dcd100cc66f953736fcb6a2730e283c4"))
    #expect(artifact.install == .archive(directory: "/usr/local/bin"))
    #expect(artifact.provides == ["/usr/local/bin/crictl"])
    let file = try #require(plan.file("crictl.config"))
    #expect(file.path == "/etc/crictl.yaml")
    let text = try #require(file.content.literalText)
    #expect(text.contains("\nruntime-endpoint: unix:///run/containerd/containerd.sock\n"))
    #expect(text.contains("\nimage-endpoint: unix:///run/containerd/containerd.sock\n"))
    #expect(plan.resource("crictl.config")?.notifies == [])
  }

  @Test func goesWithNerdctlFull() {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        nerdctl-full: 2.0.3
        crictl: 1.32.0
      """)
    #expect(plan != nil)
    #expect(diagnostics.all.isEmpty, "\(diagnostics.ids)")
  }

  @Test func refusedRootlessAndWarnedWithoutContainerd() {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
        crictl: 1.32.0
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids == ["rootless-crictl"])
    #expect(lineOf("rootless-crictl", in: diagnostics) == 7)

    let (alone, warnings) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        crictl: 1.32.0
      """)
    #expect(alone != nil)
    #expect(warnings.ids == ["crictl-without-containerd"])
  }

  @Test func unknownVersionIsRefused() {
    let (plan, diagnostics) = compileText(
      """
      nodespec: 1
      arch: amd64
      components:
        crictl: 1.29.9
      """)
    #expect(plan == nil)
    #expect(diagnostics.ids.contains("unknown-version"), "\(diagnostics.ids)")
  }
}
