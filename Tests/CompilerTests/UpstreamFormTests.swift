import Foundation
import Spec
import Testing

@testable import Compiler

/// The files written the way the upstream parsers read them: containerd's hosts.go and
/// config structs, BuildKit's resolver, containerd's shipped unit (issue 11).
@Suite struct UpstreamFormTests {
  /// A lone client path holds certificate and key: containerd reads `["/a.pem", ""]` as a
  /// key at the hosts.toml folder (hosts.go `makeAbsPath`) and BuildKit cannot load `key = ""`,
  /// so both files name the one file twice.
  @Test func loneClientPathIsCertificateAndKey() throws {
    let mirror = Mirror(
      url: at("https://m.example", 111),
      client: [
        at(ClientPair(certificate: "/etc/certs/both.pem", key: ""), 112),
        at(ClientPair(certificate: "/c.cert", key: "/c.key"), 113),
      ],
      range: line(111))
    let s = spec(
      components: seedComponents(), registries: [registry("docker.io", mirrors: [mirror])])
    let plan = try #require(compile(s).plan)
    let hosts = try parseTOML(try #require(plan.file("registry.docker.io.hosts")).content)
    #expect(
      lookup(hosts, "host", "https://m.example", "client") as? [[String]] == [
        ["/etc/certs/both.pem", "/etc/certs/both.pem"], ["/c.cert", "/c.key"],
      ])
    let buildkit = try parseTOML(try #require(plan.file("buildkit.config")).content)
    let pairs = try #require(
      lookup(buildkit, "registry", "m.example", "keypair") as? [[String: Any]])
    #expect(pairs.map { $0["cert"] as? String } == ["/etc/certs/both.pem", "/c.cert"])
    #expect(pairs.map { $0["key"] as? String } == ["/etc/certs/both.pem", "/c.key"])
  }

  /// containerd's API root for a mirror (URL path, `/v2` appended unless it ends in `/v2` or
  /// override_path) and BuildKit's `mirrors` entry that reaches the same root (`/v2/<path>`),
  /// or nil where BuildKit cannot.
  @Test(
    arguments: [
      ("https://m.example", nil, "/v2", "m.example"),
      ("https://m.example/", nil, "/v2", "m.example"),
      ("https://m.example:5000/v2", nil, "/v2", "m.example:5000"),
      ("https://m.example/v2/", nil, "/v2", "m.example"),
      (
        "https://harbor.example/v2/docker-proxy", nil, "/v2/docker-proxy",
        "harbor.example/docker-proxy"
      ),
      ("https://harbor.example/v2/a/b", true, "/v2/a/b", "harbor.example/a/b"),
      ("https://m.example/proxy", nil, "/proxy", nil),
      ("https://m.example/proxy", false, "/proxy/v2", nil),
      ("https://m.example/proxy/v2", nil, "/proxy/v2", nil),
      ("https://m.example", true, "/", nil),
      ("http://[::1]:5000", nil, "/v2", "[::1]:5000"),
    ] as [(String, Bool?, String, String?)])
  func buildkitMirrorFollowsContainerdsAPIRoot(
    url: String, overridePath: Bool?, root: String, buildkit: String?
  ) throws {
    var diagnostics = Diagnostics()
    let mirror = Mirror(
      url: at(url, 111), overridePath: overridePath.map { at($0, 112) }, range: line(111))
    let host = try #require(
      ResolvedHost(mirror, path: "m", environment: [:], diagnostics: &diagnostics))
    #expect(BuildKitModule.apiRoot(host) == root)
    #expect(BuildKitModule.mirror(host) == buildkit)
  }

  @Test func unreachableMirrorIsLeftOutWithAWarningAtItsLine() throws {
    let mirrors = [
      Mirror(url: at("https://m.example/proxy", 111), range: line(111)),
      Mirror(url: at("https://harbor.example/v2/hub", 112), range: line(112)),
    ]
    let s = spec(
      components: seedComponents(), registries: [registry("docker.io", mirrors: mirrors)])
    let (plan, diagnostics) = compile(s)
    #expect(diagnostics.ids == ["buildkit-mirror-path"])
    #expect(diagnostics.first("buildkit-mirror-path")?.range == line(111))
    let p = try #require(plan)
    let buildkit = try parseTOML(try #require(p.file("buildkit.config")).content)
    #expect(
      lookup(buildkit, "registry", "docker.io", "mirrors") as? [String] == ["harbor.example/hub"])
    // containerd still gets both, each at its own API root.
    let hosts = try parseTOML(try #require(p.file("registry.docker.io.hosts")).content)
    #expect(lookup(hosts, "host", "https://m.example/proxy", "override_path") as? Bool == true)
  }

  /// 1,000 registries, each with its own mirror and one mirror host shared by all: every
  /// table once, in the order first met (the index keeps emit order; cost is measured by
  /// bench/buildkit-registries.sh).
  @Test func manyRegistriesKeepOrderAndShareHostTables() throws {
    let registries = (0..<1000).map { i in
      registry(
        "r\(i).example", ["https://m\(i).example/v2/r\(i)", "http://shared.example:5000"],
        line: 1000 + 20 * i)
    }
    var diagnostics = Diagnostics()
    let resolved = ResolvedRegistry.resolve(
      registries, environment: [:], diagnostics: &diagnostics)
    let text = BuildKitModule.config(
      containerdWorker: false, registries: resolved, diagnostics: &diagnostics)
    #expect(diagnostics.all.isEmpty)
    let doc = try parseTOML(File.Content(text))
    let tables = try #require(doc["registry"] as? [String: Any])
    #expect(tables.count == 1001)
    for i in [0, 1, 499, 999] {
      #expect(
        lookup(doc, "registry", "r\(i).example", "mirrors") as? [String] == [
          "m\(i).example/r\(i)", "shared.example:5000",
        ])
    }
    #expect(lookup(doc, "registry", "shared.example:5000", "http") as? Bool == true)
    // Emit order: each registry's table, then the shared host's after the first registry.
    let order = text.split(separator: "\n").filter { $0.hasPrefix("[registry.") }
    #expect(
      order.prefix(3) == [
        "[registry.\"r0.example\"]", "[registry.\"shared.example:5000\"]",
        "[registry.\"r1.example\"]",
      ])
  }

  /// containerd.service as each release ships it: 1.7 keeps `LimitNOFILE=infinity` (without
  /// it every container gets the soft limit 1024), `After=` changed at 1.7.24 and 2.1.0.
  @Test(arguments: [
    ("1.7.20", "network.target local-fs.target", true),
    ("1.7.24", "network.target local-fs.target dbus.service", true),
    ("2.0.0", "network.target local-fs.target dbus.service", false),
    ("2.1.0", "network.target dbus.service", false),
    ("2.3.4", "network.target dbus.service", false),
  ])
  func containerdUnitOfThePinnedVersion(version: String, after: String, limitNOFILE: Bool) throws {
    let components = Components(
      containerd: component("containerd", version, line: 10),
      runc: component("runc", "1.2.4", line: 20))
    let plan = try #require(compile(spec(components: components)).plan)
    let unit = try #require(plan.text("containerd.unit"))
    #expect(unit.contains("\nAfter=\(after)\n"))
    #expect(unit.contains("\nLimitNOFILE=infinity\n") == limitNOFILE)
    #expect(unit.contains("\nLimitNOFILE=") == limitNOFILE)
  }

  /// nerdctl-full at another prefix gets the unit of the containerd it bundles (1.7.6: 1.7.16).
  @Test func nerdctlFullUnitFollowsItsContainerd() throws {
    let components = Components(nerdctlFull: component("nerdctl-full", "1.7.6", line: 60))
    let plan = try #require(compile(spec(prefix: "/opt/full", components: components)).plan)
    #expect(plan.text("containerd.unit")?.contains("\nLimitNOFILE=infinity\n") == true)
    #expect(plan.text("buildkit.unit")?.contains("\nLimitNOFILE=infinity\n") == true)
    #expect(plan.file("containerd.unit")?.path == "/etc/systemd/system/containerd.service")
    let archive = try #require(plan.artifact("nerdctl-full.archive"))
    #expect(archive.provides.contains("/opt/full/lib/systemd/system/containerd.service"))
  }

  /// Unprivileged ports and ICMP are written on every layout, so pods behave alike on 1.7
  /// (default false) and 2.x (default true).
  @Test(arguments: [
    ("1.7.24", ["plugins", "io.containerd.grpc.v1.cri"]),
    ("2.0.0", ["plugins", "io.containerd.cri.v1.runtime"]),
    ("2.3.4", ["plugins", "io.containerd.cri.v1.runtime"]),
  ])
  func unprivilegedPortsAndICMPOnEveryVersion(version: String, table: [String]) throws {
    let components = Components(
      containerd: component("containerd", version, line: 10),
      runc: component("runc", "1.2.4", line: 20))
    let plan = try #require(
      compile(spec(components: components, kubernetes: kubernetes())).plan)
    let doc = try parseTOML(try #require(plan.file("containerd.config")).content)
    #expect(lookup(doc, path: table + ["enable_unprivileged_ports"]) as? Bool == true)
    #expect(lookup(doc, path: table + ["enable_unprivileged_icmp"]) as? Bool == true)
  }
}

private func lookup(_ document: [String: Any], path: [String]) -> Any? {
  path.reduce(document as Any?) { ($0 as? [String: Any])?[$1] }
}
