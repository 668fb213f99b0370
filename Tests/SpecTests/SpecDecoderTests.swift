import Testing

@testable import Spec

@Suite struct SpecDecoderTests {
  @Test func designSpecDecodes() throws {
    let (spec, diagnostics) = load(designSpec)
    // The example sets `user` in root mode: the one thing worth a warning.
    #expect(found(diagnostics) == ["user-ignored@5:7"])
    let s = try #require(spec)
    #expect(s.formatVersion.value == 1)
    #expect(s.name?.value == "build-01")
    #expect(s.arch.value == .auto)
    #expect(s.mode.value == .root)
    #expect(s.user?.value == "builder")
    #expect(s.prefix.value == "/usr/local")
    #expect(s.downloads.mirror?.value == "https://artifacts.example.com/github")
    #expect(s.downloads.verify.value == .pinned)

    let c = s.components
    #expect(c.present.map(\.key) == ["containerd", "runc", "cni", "nerdctl", "buildkit"])
    #expect(c.present.map(\.version.value) == ["2.0.0", "1.2.2", "1.6.1", "2.0.2", "0.18.1"])
    #expect(c.containerd?.version.range.description == "13:15-13:20")
    #expect(c.nerdctl?.completion?.value == [.bash])
    #expect(c.buildkit?.worker?.value == .containerd)
    #expect(c.nerdctlFull == nil)

    #expect(s.registries.map(\.name.value) == ["docker.io", "registry.k8s.io"])
    let docker = s.registries[0]
    #expect(docker.server == nil && docker.fallback == nil)
    #expect(
      docker.mirrors.map(\.url.value) == [
        "https://docker.m.daocloud.io", "https://mirror.internal:5000",
      ])
    #expect(docker.mirrors[0].capabilities == nil)
    let long = docker.mirrors[1]
    #expect(long.capabilities?.value == [.pull, .resolve, .push])
    #expect(long.ca.map(\.value) == ["/etc/ssl/certs/internal-ca.pem"])
    #expect(long.skipVerify?.value == false)
    #expect(long.overridePath?.value == false)
    #expect(long.headers.map(\.name.value) == ["X-Mirror-Token"])
    #expect(long.headers[0].values.map(\.value) == [.literal("example")])
    #expect(s.registries[1].mirrors.map(\.url.value) == ["https://k8s.m.daocloud.io"])

    let k = try #require(s.kubernetes)
    #expect(k.cgroupDriver.value == .systemd)
    #expect(k.sandboxImage?.value == "registry.k8s.io/pause:3.10")
    #expect(k.prerequisites.value == true)
  }

  @Test func minimalSpecGetsDefaults() throws {
    let spec = try #require(load("nodespec: 1\n").spec)
    #expect(spec.arch.value == .auto)
    #expect(spec.mode.value == .root)
    #expect(spec.prefix.value == "/usr/local")
    #expect(spec.downloads.verify.value == .pinned)
    #expect(spec.components.present.isEmpty)
    #expect(spec.registries.isEmpty)
    #expect(spec.kubernetes == nil)
  }

  @Test(arguments: ["kubernetes: {}", "kubernetes:"])
  func emptyKubernetesMeansDefaults(_ line: String) throws {
    let spec = try #require(load("nodespec: 1\n\(line)\n").spec)
    let k = try #require(spec.kubernetes)
    #expect(k.cgroupDriver.value == .systemd)
    #expect(k.prerequisites.value == false)
    #expect(k.packages == nil)
    #expect(k.installsPackages.value == false)
    #expect(k.sandboxImage == nil)
  }

  @Test func deliveredCertificates() throws {
    let text = """
      nodespec: 1
      registries:
        corp.example:
          mirrors:
            - url: https://mirror.corp.example
              ca: {pem: "-----BEGIN CERTIFICATE-----"}
              client:
                cert: {local: certs/client.pem}
                key: {env: CLIENT_KEY}
            - url: https://other.corp.example
              ca: /etc/ssl/corp.pem
              client: {cert: {file: /etc/pki/c.pem}, key: {file: /etc/pki/c.key}}
      """
    let spec = try #require(load(text).spec)
    let mirrors = spec.registries[0].mirrors
    #expect(mirrors[0].deliveredCA?.value == .pem("-----BEGIN CERTIFICATE-----"))
    #expect(mirrors[0].deliveredCA?.range.start.line == 6)
    #expect(mirrors[0].deliveredClient?.certificate.value == .local("certs/client.pem"))
    #expect(mirrors[0].deliveredClient?.key.value == .environment("CLIENT_KEY"))
    #expect(mirrors[0].ca.isEmpty && mirrors[0].client.isEmpty)
    #expect(mirrors[1].ca.map(\.value) == ["/etc/ssl/corp.pem"])
    #expect(mirrors[1].deliveredCA == nil)
    #expect(mirrors[1].deliveredClient?.key.value == .file("/etc/pki/c.key"))
  }

  @Test func pemIsABlockOfLines() throws {
    let text = """
      nodespec: 1
      registries:
        a.io:
          mirrors:
            - url: https://b.io
              ca:
                pem: |
                  -----BEGIN CERTIFICATE-----
                  MIIB
                  -----END CERTIFICATE-----
      """
    let spec = try #require(load(text).spec)
    #expect(
      spec.registries[0].mirrors[0].deliveredCA?.value
        == .pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"))
    let tab = "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ca: {pem: \"a\\tb\"}}]}}\n"
    #expect(load(tab).diagnostics.all.map(\.id) == ["control-character"])
  }

  @Test func kubernetesPackagesKey() throws {
    let spec = try #require(
      load("nodespec: 1\nkubernetes: {prerequisites: true, packages: false}\n").spec)
    let k = try #require(spec.kubernetes)
    #expect(k.packages?.value == false)
    #expect(k.installsPackages.value == false)
    #expect(k.installsPackages.range.start.column == 45)
    let implied = try #require(load("nodespec: 1\nkubernetes: {prerequisites: true}\n").spec)
    #expect(implied.kubernetes?.installsPackages.value == true)
  }

  @Test func versionsStayAsWritten() throws {
    let text = """
      nodespec: "1"
      components:
        containerd: 1.10
        runc: '1.2.0'
        cni: 1.6.0-rc.1
        nerdctl: v2.0.2
      """
    let (spec, diagnostics) = load(text)
    #expect(found(diagnostics) == ["version-prefix@6:12"])
    let versions = try #require(spec).components.present.map(\.version.value)
    #expect(versions == ["1.10", "1.2.0", "1.6.0-rc.1", "2.0.2"])
  }

  @Test func componentOptionsAndOverrides() throws {
    let upper = String(repeating: "AB", count: 32)
    let lower = String(repeating: "ab", count: 32)
    let text = """
      nodespec: 1
      mode: rootless
      user: builder
      arch: arm64
      components:
        containerd: {version: 2.0.0, static: true, sha256: {arm64: \(upper), amd64: \(lower)}}
        nerdctl: {version: 2.0.2, completion: [bash, zsh, fish]}
        buildkit:
          version: 0.18.1
          worker: oci
          url: https://example.com/buildkit.tar.gz
          sha256: \(lower)
      """
    let (spec, diagnostics) = load(text)
    #expect(diagnostics.all.isEmpty)
    let s = try #require(spec)
    #expect(s.arch.value == .fixed(.arm64))
    #expect(s.mode.value == .rootless)
    let containerd = try #require(s.components.containerd)
    #expect(containerd.staticBuild?.value == true)
    // Sorted by arch, and lowercased.
    #expect(
      containerd.sha256.map(\.value) == [
        ArchValue(arch: .amd64, value: lower), ArchValue(arch: .arm64, value: lower),
      ])
    #expect(s.components.nerdctl?.completion?.value == [.bash, .zsh, .fish])
    let buildkit = try #require(s.components.buildkit)
    #expect(buildkit.worker?.value == .oci)
    #expect(
      buildkit.url.map(\.value) == [
        ArchValue(arch: nil, value: "https://example.com/buildkit.tar.gz")
      ])
    #expect(buildkit.sha256.map(\.value) == [ArchValue(arch: nil, value: lower)])
  }

  /// What the driver looks up: each variable once, in spec order, and nothing else.
  @Test func environmentVariablesAreTheOnesHeadersRead() throws {
    let text = """
      nodespec: 1
      registries:
        a.io:
          mirrors:
            - url: https://m.example.com
              header: {X-A: [{env: TOKEN_B}, literal, {file: /run/x}], X-B: {env: TOKEN_A}}
        b.io:
          mirrors:
            - url: https://n.example.com
              header: {X-C: {env: TOKEN_B}, X-D: [{env: TOKEN_C}]}
      """
    let (spec, diagnostics) = load(text)
    #expect(diagnostics.all.isEmpty)
    #expect(try #require(spec).environmentVariables == ["TOKEN_B", "TOKEN_A", "TOKEN_C"])
    #expect(try #require(load("nodespec: 1\n").spec).environmentVariables.isEmpty)
  }

  @Test func mirrorLongForm() throws {
    let text = """
      nodespec: 1
      registries:
        _default:
          server: https://registry.example.com
          fallback: false
          mirrors:
            - mirror.internal:5000/v2
            - url: https://m.example.com
              ca: /etc/ca.pem
              client: /etc/client.pem
              header:
                Authorization: {env: MIRROR_TOKEN}
                X-Both: [a, b, {file: /run/secret}]
            - url: https://n.example.com
              ca: [/etc/a.pem, /etc/b.pem]
              client: [[/etc/c.cert, /etc/c.key], /etc/d.pem]
      """
    let (spec, diagnostics) = load(text)
    #expect(diagnostics.all.isEmpty)
    let registry = try #require(spec?.registries.first)
    #expect(registry.name.value == "_default")
    #expect(registry.server?.value == "https://registry.example.com")
    #expect(registry.fallback?.value == false)
    #expect(
      registry.mirrors.map(\.url.value) == [
        "mirror.internal:5000/v2", "https://m.example.com", "https://n.example.com",
      ])
    let m = registry.mirrors[1]
    #expect(m.ca.map(\.value) == ["/etc/ca.pem"])
    #expect(m.client.map(\.value) == [ClientPair(certificate: "/etc/client.pem", key: "")])
    #expect(m.headers.map(\.name.value) == ["Authorization", "X-Both"])
    #expect(m.headers[0].values.map(\.value) == [.environment("MIRROR_TOKEN")])
    #expect(
      m.headers[1].values.map(\.value) == [
        .literal("a"), .literal("b"), .file("/run/secret"),
      ])
    let n = registry.mirrors[2]
    #expect(n.ca.map(\.value) == ["/etc/a.pem", "/etc/b.pem"])
    #expect(
      n.client.map(\.value) == [
        ClientPair(certificate: "/etc/c.cert", key: "/etc/c.key"),
        ClientPair(certificate: "/etc/d.pem", key: ""),
      ])
  }

  /// Each case marks where its diagnostics must point; see `Marked`. Every case is a whole
  /// spec, so that only the marked problems may appear.
  @Test(arguments: [
    // Structure: unknown keys at every level, wrong types, missing keys.
    "nodespec: 1\n⟪unknown-key⟫nme: x\n",
    "nodespec: 1\ncomponents:\n  ⟪unknown-key⟫containred: 2.0.0\n",
    "nodespec: 1\ncomponents:\n  nerdctl: {version: 2.0.2, ⟪unknown-key⟫worker: oci}\n",
    "nodespec: 1\nregistries:\n  docker.io:\n    ⟪unknown-key⟫mirror: [a.io]\n",
    "nodespec: 1\nregistries:\n  docker.io:\n    mirrors:\n      - {url: a.io, ⟪unknown-key⟫skip-verify: true}\n",
    "nodespec: 1\nkubernetes: {⟪unknown-key⟫cgroup: systemd}\n",
    "nodespec: 1\ndownloads: {⟪unknown-key⟫verfy: none}\n",
    "nodespec: 1\ncomponents: {containerd: {version: 2.0.0, sha256: {⟪unknown-key⟫x86_64: x}}}\n",
    "nodespec: 1\nregistries:\n  a.io:\n    mirrors:\n      - url: b.io\n        header: {X: {⟪unknown-key⟫vault: y}}\n",
    "⟪type-mismatch⟫- nodespec: 1\n",
    "nodespec: 1\ncomponents: ⟪type-mismatch⟫[containerd]\n",
    "nodespec: 1\ncomponents:\n  containerd: ⟪type-mismatch⟫[2.0.0]\n",
    "nodespec: 1\nregistries:\n  docker.io:\n    mirrors: ⟪type-mismatch⟫https://m.io\n",
    "nodespec: 1\nregistries:\n  docker.io: {mirrors: [a.io], server: ⟪type-mismatch⟫[b.io]}\n",
    "nodespec: 1\n⟪type-mismatch⟫name:\n",
    "nodespec: 1\nname: ⟪type-mismatch⟫~\n",
    "nodespec: 1\nregistries:\n  a.io:\n    mirrors:\n      - url: b.io\n        capabilities: ⟪type-mismatch⟫pull\n",
    "⟪missing-key⟫name: x\n",
    "nodespec: 1\ncomponents:\n  ⟪missing-key⟫containerd: {static: true}\n",
    "nodespec: 1\nregistries:\n  a.io:\n    mirrors:\n      - ⟪missing-key⟫{ca: /etc/ca.pem}\n",
    // Enumerations and booleans.
    "nodespec: ⟪invalid-value⟫2\n",
    "nodespec: ⟪invalid-value⟫1.0\n",
    "nodespec: 1\narch: ⟪invalid-value⟫x86_64\n",
    "nodespec: 1\nmode: ⟪invalid-value⟫rootles\n",
    "nodespec: 1\ndownloads: {verify: ⟪invalid-value⟫sha256}\n",
    "nodespec: 1\ncomponents: {buildkit: {version: 0.18.1, worker: ⟪invalid-value⟫docker}}\n",
    "nodespec: 1\ncomponents: {nerdctl: {version: 2.0.2, completion: [bash, ⟪invalid-value⟫tcsh]}}\n",
    "nodespec: 1\nkubernetes: {cgroup_driver: ⟪invalid-value⟫systemD}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, capabilities: ⟪invalid-value⟫[]}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, capabilities: [pull, ⟪invalid-value⟫get]}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, client: [⟪invalid-value⟫[/a, /b, /c]]}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {X: ⟪invalid-value⟫{env: A, file: /b}}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ca: {local: ⟪invalid-local-path⟫/etc/ca.pem}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ca: {local: ⟪invalid-local-path⟫certs/../../ca.pem}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ca: ⟪invalid-value⟫{pem: a, file: /b}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, client: {cert: {file: /c}, key: {⟪unknown-key⟫pem: k}}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ⟪missing-key⟫client: {cert: {file: /c}}}]}}\n",
    "nodespec: 1\nkubernetes: {prerequisites: ⟪not-a-boolean⟫yes}\n",
    "nodespec: 1\ncomponents: {containerd: {version: 2.0.0, static: ⟪not-a-boolean⟫on}}\n",
    "nodespec: 1\nregistries: {a.io: {fallback: ⟪not-a-boolean⟫1}}\n",
    "nodespec: 1\nregistries: {a.io: {fallback: ⟪not-a-boolean⟫True}}\n",
    // Versions.
    "nodespec: 1\ncomponents: {runc: ⟪invalid-version⟫latest}\n",
    "nodespec: 1\ncomponents: {runc: ⟪invalid-version⟫1.2.}\n",
    "nodespec: 1\ncomponents: {runc: ⟪invalid-version⟫1.2.2-}\n",
    "nodespec: 1\ncomponents: {runc: ⟪invalid-version⟫\"1.2.2; rm -rf /\"}\n",
    "nodespec: 1\ncomponents: {runc: ⟪version-prefix⟫v1.2.2}\n",
    // Values with a grammar.
    "nodespec: 1\ncomponents: {runc: {version: 1.2.2, sha256: ⟪invalid-sha256⟫abc123}}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫artifacts.example.com}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫\"ftp://example.com\"}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫\"https://\"}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫\"https://a b.com\"}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫'https://a.com/\"x'}\n",
    "nodespec: 1\ndownloads: {mirror: ⟪invalid-url⟫\"https://a.com\\\\x\"}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [⟪invalid-url⟫\"https://user:pw@m.io\"]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [⟪invalid-url⟫\"m.io:99999\"]}}\n",
    "nodespec: 1\nregistries: {a.io: {server: ⟪invalid-url⟫\"-bad-.io\"}}\n",
    "nodespec: 1\nregistries:\n  ⟪invalid-registry-name⟫\"bad host\": {}\n",
    "nodespec: 1\nregistries:\n  ⟪invalid-registry-name⟫https://docker.io: {}\n",
    "nodespec: 1\nprefix: ⟪invalid-path⟫usr/local\n",
    "nodespec: 1\nprefix: ⟪invalid-path⟫/usr/../etc\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, ca: [/ok.pem, ⟪invalid-path⟫ca.pem]}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, client: [[/c, ⟪invalid-path⟫k]]}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {X: {file: ⟪invalid-path⟫../t}}}]}}\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/root\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/root/b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/etc\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/etc/b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/usr/local/b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/var/lib\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/tmp/b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/run/user/1000\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home/./b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home/b/.\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home/b/..\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home/../root\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫/home//b\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: ⟪invalid-home⟫home/b\n",
    // A home that is a normal path outside the system folders is fine; one trailing `/` too.
    "nodespec: 1\nmode: rootless\nuser: b\nhome: /home/b/\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: /var/lib/jenkins\n",
    "nodespec: 1\nmode: rootless\nuser: b\nhome: /srv/b\n",
    "nodespec: 1\nmode: rootless\nuser: ⟪invalid-user⟫Bob\n",
    "nodespec: 1\nmode: rootless\nuser: ⟪invalid-user⟫\"b; rm -rf /\"\n",
    "nodespec: 1\nname: ⟪invalid-name⟫\"build 01\"\n",
    "nodespec: 1\nname: ⟪invalid-name⟫\"\"\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {⟪invalid-header⟫\"X Y\": z}}]}}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {X: {env: ⟪invalid-env-name⟫1A}}}]}}\n",
    "nodespec: 1\nkubernetes: {sandbox_image: ⟪invalid-image⟫\"pause 3.10\"}\n",
    // Control characters, in every kind of field.
    "nodespec: 1\nname: ⟪control-character⟫\"a\\tb\"\n",
    "nodespec: 1\nkubernetes: {sandbox_image: ⟪control-character⟫\"pause\\n:3\"}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {X: ⟪control-character⟫\"v\\r\\nY: z\"}}]}}\n",
    "nodespec: 1\nprefix: ⟪control-character⟫\"/usr/\\0local\"\n",
    "nodespec: 1\nname: ⟪control-character⟫\"a\\x7Fb\"\n",
    "nodespec: 1\nname: ⟪control-character⟫\"a\\u202Eb\"\n",
    "nodespec: 1\nname: ⟪control-character⟫\"a\\x85b\"\n",
    // Tags.
    "nodespec: 1\nname: ⟪unsupported-tag⟫!vault x\nmode: !!str root\n",
    "nodespec: 1\ncomponents: ⟪unsupported-tag⟫!custom {runc: 1.2.2}\n",
    "nodespec: 1\nname: ⟪unsupported-tag⟫⟪invalid-name⟫!!binary eA==\n",
    "nodespec: 1\nprefix: ⟪unsupported-tag⟫⟪type-mismatch⟫!!python/object/apply:os.system [id]\n",
    "nodespec: 1\nname: ⟪unsupported-tag⟫!<tag:example.com,2026:x> y\n",
    "nodespec: 1\nname: ⟪unsupported-tag⟫!!timestamp 2001-12-14\n",
    "⟪unsupported-tag⟫%TAG !e! tag:yaml.org,2002:\n---\nnodespec: 1\nname: !e!str x\n",
    // The core schema's tags and `!` change nothing.
    "nodespec: !!int 1\nname: !!str x\nkubernetes: !!map {prerequisites: !!bool true}\nregistries: !!null\n",
    "nodespec: 1\nname: ! x\n",
    "nodespec: 1\nname: ⟪unsupported-tag⟫&n !vault x\nuser: ⟪unsupported-tag⟫⟪user-ignored⟫*n\n",
    // Structural rules.
    "nodespec: 1\ncomponents:\n  containerd: 2.0.0\n  ⟪conflicting-components⟫nerdctl-full: 1.7.7\n",
    "nodespec: 1\nuser: ⟪user-ignored⟫builder\n",
    "nodespec: 1\nmode: root\nuser: ⟪user-ignored⟫builder\n",
    "nodespec: 1\ndownloads: {verify: ⟪verify-none⟫none}\n",
    "nodespec: 1\nregistries: {a.io: {mirrors: [{url: b.io, header: {Authorization: ⟪literal-secret⟫Bearer x}}]}}\n",
    // Registry auth: the password never in the spec, a user name basic auth can carry.
    "nodespec: 1\nregistries: {a.io: {auth: {username: ci, password: {file: /etc/p}}}}\n",
    "nodespec: 1\nregistries: {a.io: {auth: {username: ci, password: {env: P}}}}\n",
    "nodespec: 1\nregistries: {a.io: {auth: {username: ci, password: ⟪literal-secret⟫hunter2}}}\n",
    "nodespec: 1\nregistries: {a.io: {auth: {username: ⟪invalid-value⟫\"c:i\", password: {env: P}}}}\n",
    "nodespec: 1\nregistries: {a.io: {auth: {username: ⟪control-character⟫\"c\\ti\", password: {env: P}}}}\n",
    "nodespec: 1\nregistries: {a.io: {⟪missing-key⟫auth: {username: ci}}}\n",
    "nodespec: 1\nregistries: {a.io: {auth: {username: ci, password: {env: ⟪invalid-env-name⟫1A}}}}\n",
    // Images to preload.
    "nodespec: 1\nimages: [{file: /srv/a.tar, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}, {url: https://m.example/b.tar, sha256: BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB}]\n",
    "nodespec: 1\nimages: [{file: /srv/a.tar, sha256: ⟪invalid-sha256⟫abc}]\n",
    "nodespec: 1\nimages: [⟪missing-key⟫{file: /srv/a.tar}]\n",
    "nodespec: 1\nimages: [⟪invalid-value⟫{file: /srv/a.tar, url: https://m.example/a.tar, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]\n",
    "nodespec: 1\nimages: [{file: ⟪invalid-path⟫a.tar, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]\n",
    "nodespec: 1\nimages: [{url: ⟪invalid-url⟫\"https://u:p@m.example/a.tar\", sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]\n",
    "nodespec: 1\nimages: ⟪type-mismatch⟫/srv/a.tar\n",
    // Runtimes.
    "nodespec: 1\nruntimes: {crun: \"1.17\", nvidia: {}}\ndefault_runtime: crun\n",
    "nodespec: 1\nruntimes: {crun: {version: \"1.17\"}, nvidia: ~}\n",
    "nodespec: 1\nruntimes: {⟪unknown-key⟫crunn: \"1.17\"}\n",
    "nodespec: 1\nruntimes: {crun: ⟪invalid-version⟫latest}\n",
    "nodespec: 1\nruntimes: {nvidia: {⟪unknown-key⟫path: /usr/bin/x}}\n",
  ])
  func diagnosticsPointAtTheMark(_ source: String) {
    let marked = Marked(source)
    #expect(found(load(marked.text).diagnostics) == marked.expected, "\(source.debugDescription)")
  }

  @Test func oneRunReportsEveryProblem() {
    let text = """
      nodespec: 1
      ⟪unknown-key⟫nme: x
      arch: ⟪invalid-value⟫x86
      components:
        containerd: ⟪invalid-version⟫two
        runc: {version: 1.2.2, sha256: ⟪invalid-sha256⟫x}
      registries:
        docker.io:
          fallback: ⟪not-a-boolean⟫no
          mirrors: [⟪invalid-url⟫"ftp://m"]
      kubernetes: {prerequisites: ⟪not-a-boolean⟫off}
      """
    let marked = Marked(text)
    let (spec, diagnostics) = load(marked.text)
    #expect(spec == nil)
    #expect(found(diagnostics) == marked.expected)
  }

  @Test func conflictNotesPointAtEachSeparateComponent() throws {
    let text = "nodespec: 1\ncomponents:\n  runc: 1.2.2\n  nerdctl-full: 1.7.7\n  cni: 1.6.1\n"
    let error = try #require(load(text).diagnostics.all.first)
    #expect(error.id == "conflicting-components")
    #expect(error.notes.map { $0.range?.start.description } == ["3:3", "5:3"])
  }

  @Test(arguments: [
    ("nodespec: 1\nnme: x\n", "did you mean `name`?"),
    ("nodespec: 1\ncomponents: {nerdctl_full: 1.7.7}\n", "did you mean `nerdctl-full`?"),
    ("nodespec: 1\nKubernetes: {}\n", "did you mean `kubernetes`?"),
  ])
  func unknownKeysSuggestTheClosest(_ text: String, _ hint: String) {
    #expect(load(text).diagnostics.all.first?.hint == hint)
  }

  @Test func unrelatedUnknownKeyListsTheValidOnes() throws {
    let error = try #require(load("nodespec: 1\nkubernetes: {zzz: 1}\n").diagnostics.all.first)
    #expect(
      error.hint
        == "valid keys here: `cgroup_driver`, `sandbox_image`, `prerequisites`, `packages`")
  }

  @Test func messagesNeverCarryControlCharacters() throws {
    let error = try #require(load("nodespec: 1\n\"\\e[31mx\": 1\n").diagnostics.all.first)
    #expect(error.id == "unknown-key")
    #expect(!error.message.unicodeScalars.contains { $0.value == 0x1B })
  }

  @Test func freeTextIsNotRefusedForShellOrTemplateSyntax() throws {
    // Quoting is the backends' job; these are valid values for their fields.
    let text = """
      nodespec: 1
      registries:
        a.io:
          mirrors:
            - url: b.io
              header: {X-A: "$(reboot)", X-B: "`id`", X-C: "{{ lookup('env','X') }}", X-D: "'\\""}
      """
    let (spec, diagnostics) = load(text)
    #expect(diagnostics.all.isEmpty)
    let values = try #require(spec?.registries.first?.mirrors.first?.headers).flatMap {
      $0.values.map(\.value)
    }
    #expect(
      values == [
        .literal("$(reboot)"), .literal("`id`"), .literal("{{ lookup('env','X') }}"),
        .literal("'\""),
      ])
  }

  @Test func quotedScalarsAreTypedByTheKeyToo() throws {
    let text = "nodespec: '1'\nkubernetes: {prerequisites: \"true\"}\ncomponents: {runc: \"1.2\"}\n"
    let spec = try #require(load(text).spec)
    #expect(spec.kubernetes?.prerequisites.value == true)
    #expect(spec.components.runc?.version.value == "1.2")
  }

  @Test func anUndefinedAliasIsReportedOnce() {
    // `mode` is a sequence whatever its item; `name` is left out, not reported as null.
    let marked = Marked(
      "nodespec: 1\nname: ⟪undefined-alias⟫*x\nmode: ⟪type-mismatch⟫[⟪undefined-alias⟫*y]\n")
    #expect(found(load(marked.text).diagnostics) == marked.expected)
  }

  @Test func readerAndDecoderProblemsComeTogetherSortedByPosition() {
    let text = "nodespec: 1\nzzz: 1\nname: a\nname: b\n"
    #expect(found(load(text).diagnostics) == ["unknown-key@2:1", "duplicate-key@4:1"])
  }
}
