import Testing

@testable import Spec

/// `extends` and `--set`: the merge rule, and diagnostics at the file that set the value.
@Suite struct SpecSourcesTests {
  /// Files in memory, by path; a file's identity is its path.
  static func fileSystem(_ files: [String: String]) -> SpecFileSystem {
    @Sendable func clean(_ path: String) -> String { normalizedPath(path) }
    return SpecFileSystem(
      read: { path in
        guard let text = files[clean(path)] else { return .failure("No such file or directory") }
        return .file(bytes: Array(text.utf8), identity: clean(path))
      },
      identity: { files[clean($0)] == nil ? nil : clean($0) })
  }

  /// Loads `path` from `files`, with `--set`s: the spec, the diagnostics as
  /// `id@file:line:col`, and the files read.
  static func load(
    _ path: String, _ files: [String: String], set: [String] = []
  ) -> (spec: NodeSpec?, found: [String], files: [SourceFile]) {
    var diagnostics = Diagnostics()
    let main = SourceFile(path: path, text: files[path] ?? "")
    let sources = SpecLoader.sources(
      main, overrides: set, fileSystem: fileSystem(files), diagnostics: &diagnostics)
    let spec = SpecLoader.decode(sources, diagnostics: &diagnostics)
    let found = diagnostics.inFileOrder().map { d in
      let file = d.range.map { sources.files[$0.file].path } ?? "-"
      return "\(d.id)@\(file):\(d.range.map { "\($0.start)" } ?? "-")"
    }
    return (spec, found, sources.files)
  }

  static let fleet = [
    "base.yaml": """
    nodespec: 1
    arch: amd64
    components:
      containerd: 2.0.0
      runc: 1.2.4
    registries:
      docker.io:
        mirrors: [https://base.example]
    kubernetes:
      cgroup_driver: systemd
    """,
    "sites/eu.yaml": """
    nodespec: 1
    extends: ../base.yaml
    components:
      containerd:
        version: 2.0.0
        static: true
    registries:
      docker.io:
        mirrors: [https://eu.example]
      quay.io:
        mirrors: [https://quay.eu.example]
    """,
    "nodes/n1.yaml": """
    nodespec: 1
    extends: [../sites/eu.yaml]
    name: n1
    kubernetes: null
    """,
  ]

  @Test func laterFilesWinMappingsMergeListsReplaceNullRemoves() throws {
    let (spec, found, files) = Self.load("nodes/n1.yaml", Self.fleet)
    #expect(found == [])
    #expect(files.map(\.path) == ["nodes/n1.yaml", "sites/eu.yaml", "base.yaml"])
    let s = try #require(spec)
    #expect(s.name?.value == "n1")
    #expect(s.arch.value == .fixed(.amd64))
    // Mappings merge key by key: runc from the base, containerd's mapping from the site.
    #expect(s.components.present.map(\.key) == ["containerd", "runc"])
    #expect(s.components.containerd?.staticBuild?.value == true)
    // A sequence replaces, and new keys come after the base's, in order.
    #expect(s.registries.map(\.name.value) == ["docker.io", "quay.io"])
    #expect(s.registries[0].mirrors.map(\.url.value) == ["https://eu.example"])
    // `null` removes what the base set.
    #expect(s.kubernetes == nil)
    // Each value keeps the file it was set in.
    #expect(s.components.runc?.version.range.file == 2)
    #expect(s.components.containerd?.version.range.file == 1)
    #expect(s.name?.range.file == 0)
  }

  @Test func aNullThatRemovesNothingIsLeftOut() throws {
    let files = [
      "a.yaml": "nodespec: 1\ncomponents: {containerd: 2.0.0, runc: 1.2.4}\n",
      "b.yaml": "nodespec: 1\nextends: a.yaml\nkubernetes:\nname: ~\n",
    ]
    let spec = try #require(Self.load("b.yaml", files).spec)
    #expect(spec.kubernetes == nil && spec.name == nil)
  }

  @Test func aBadValueInABaseIsReportedAtTheBasesLine() throws {
    var files = Self.fleet
    files["base.yaml"] = files["base.yaml"]?.replacingOccurrences(
      of: "arch: amd64", with: "arch: x86")
    let (spec, found, loaded) = Self.load("nodes/n1.yaml", files)
    #expect(spec != nil)
    #expect(found == ["invalid-value@base.yaml:2:7"])
    // The renderer adds a note at each `extends` entry up to the spec.
    var diagnostics = Diagnostics()
    let sources = SpecLoader.sources(
      loaded[0], fileSystem: Self.fileSystem(files), diagnostics: &diagnostics)
    _ = SpecLoader.decode(sources, diagnostics: &diagnostics)
    let text = DiagnosticRenderer(color: false).render(diagnostics.all, in: sources.files)
    #expect(text.hasPrefix("base.yaml:2:7: error: unknown arch `x86`"))
    #expect(text.contains("sites/eu.yaml:2:10: note: `base.yaml` is extended by `sites/eu.yaml`"))
    #expect(
      text.contains("nodes/n1.yaml:2:11: note: `sites/eu.yaml` is extended by `nodes/n1.yaml`"))
  }

  @Test func cyclesMissingFilesAndBadPathsAreErrorsAtTheEntry() {
    let files = [
      "a.yaml": "nodespec: 1\nextends: [b.yaml, gone.yaml, /etc/x.yaml, ../etc/passwd]\n",
      "b.yaml": "nodespec: 1\nextends: a.yaml\n",
    ]
    let (_, found, _) = Self.load("a.yaml", files)
    #expect(
      found.filter { !$0.hasPrefix("installs-nothing") } == [
        "extends-unreadable@a.yaml:2:19", "invalid-extends@a.yaml:2:30",
        "invalid-extends@a.yaml:2:43", "extends-cycle@b.yaml:2:10",
      ])
  }

  @Test func nineLevelsAreTooDeepEightAreNot() {
    var files: [String: String] = ["d9.yaml": "nodespec: 1\nname: deep\n"]
    for level in 0..<9 { files["d\(level).yaml"] = "nodespec: 1\nextends: d\(level + 1).yaml\n" }
    let deep = Self.load("d0.yaml", files)
    #expect(deep.found.contains("extends-too-deep@d8.yaml:2:10"))
    let eight = Self.load("d1.yaml", files)
    #expect(!eight.found.contains { $0.hasPrefix("extends-too-deep") })
    #expect(eight.spec?.name?.value == "deep")
  }

  @Test func everyFileStartsWithTheFormatVersion() {
    let files = [
      "base.yaml": "arch: amd64\n",
      "node.yaml": "extends: base2.yaml\ncomponents: {containerd: 2.0.0, runc: 1.2.4}\n",
      "base2.yaml": "nodespec: 1\n",
      "v2.yaml": "nodespec: 2\n",
      "node2.yaml": "nodespec: 1\nextends: [base.yaml, v2.yaml]\n",
    ]
    #expect(Self.load("node.yaml", files).found == ["missing-key@node.yaml:1:1"])
    #expect(
      Self.load("node2.yaml", files).found.filter { !$0.hasPrefix("installs") } == [
        "missing-key@base.yaml:1:1", "invalid-value@v2.yaml:1:11",
      ])
  }

  @Test func setWinsOverEveryFileAndIsCheckedAsIfWritten() throws {
    let (spec, found, files) = Self.load(
      "nodes/n1.yaml", Self.fleet,
      set: [
        "name=node-7", "arch=arm64", "components.containerd=2.1.1", "registries.\"quay.io\"=null",
        "registries.\"docker.io\".mirrors=[\"https://set.example\"]",
      ])
    #expect(found == [])
    let s = try #require(spec)
    #expect(s.name?.value == "node-7")
    #expect(s.arch.value == .fixed(.arm64))
    #expect(s.components.containerd?.version.value == "2.1.1")
    #expect(s.components.containerd?.staticBuild == nil)
    #expect(s.registries.map(\.name.value) == ["docker.io"])
    #expect(s.registries[0].mirrors.map(\.url.value) == ["https://set.example"])
    #expect(files.map(\.path).last == "--set registries.\"docker.io\".mirrors")
  }

  @Test func aBadSetIsReportedInTheSet() {
    let found = Self.load(
      "nodes/n1.yaml", Self.fleet,
      set: ["arch=x86", "components..runc=1.2.4", "name=a: b", "name=\"unclosed"]
    ).found
    #expect(
      found == [
        "invalid-value@--set arch:1:6",
        "invalid-set@--set components..runc:1:12",
        "invalid-set@--set name:1:6",
        "yaml-syntax@--set name:1:15",
      ])
  }

  @Test func aSetValueIsAYAMLScalarSoQuotingWorks() throws {
    let spec = try #require(
      Self.load("nodes/n1.yaml", Self.fleet, set: ["name='007'", "components.cni=\"1.6.1\""]).spec)
    #expect(spec.name?.value == "007")
    #expect(spec.components.cni?.version.value == "1.6.1")
  }

  @Test func mergeKeepsEachNodesRange() {
    var base = Diagnostics()
    let a = YAMLReader.read(
      SourceFile(path: "a", text: "x: {y: 1, z: 2}\nw: [1]\n", id: 3), diagnostics: &base)
    let b = YAMLReader.read(
      SourceFile(path: "b", text: "x: {z: 3}\nw: [2, 3]\n", id: 4), diagnostics: &base)
    guard let a, let b, case .mapping(let pairs) = YAMLMerge.merge(a, b).kind,
      case .mapping(let x) = pairs[0].value.kind
    else {
      Issue.record("not a mapping")
      return
    }
    #expect(x.map { $0.value.range.file } == [3, 4])
    #expect(x.map { $0.value.scalar?.text } == ["1", "3"])
    #expect(pairs[1].value.range.file == 4)
  }

  @Test func aCredentialInASetIsNotPrinted() {
    var diagnostics = Diagnostics()
    let main = SourceFile(path: "nodes/n1.yaml", text: Self.fleet["nodes/n1.yaml"] ?? "")
    let sources = SpecLoader.sources(
      main,
      overrides: [
        "registries.\"r.example\".mirrors=[{url: https://m.example, header: {Authorization: s3cr3t}}]"
      ], fileSystem: Self.fileSystem(Self.fleet), diagnostics: &diagnostics)
    _ = SpecLoader.decode(sources, diagnostics: &diagnostics)
    #expect(diagnostics.all.map(\.id) == ["literal-secret"])
    let text = DiagnosticRenderer(color: false).render(diagnostics.all, in: sources.files)
    #expect(text.hasPrefix("--set registries.\"r.example\".mirrors:1:"))
    #expect(!text.contains("s3cr3t"), "\(text)")
  }
}
