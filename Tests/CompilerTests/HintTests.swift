import Spec
import Testing

@testable import Compiler
@testable import Spec

/// Decodes and compiles `text` as the command line does; every diagnostic, in file order.
private func diagnose(_ text: String) -> [Diagnostic] {
  var diagnostics = Diagnostics()
  if let spec = SpecLoader.decode(
    SourceFile(path: "node.yaml", text: text), diagnostics: &diagnostics)
  {
    _ = Compiler.compile(spec, diagnostics: &diagnostics)
  }
  return diagnostics.inFileOrder()
}

private func only(_ text: String) -> Diagnostic? {
  let found = diagnose(text)
  #expect(found.count == 1, "\(found.map(\.id))")
  return found.first
}

/// Hints are followed: none may suggest something that is itself an error, or a version that
/// does not exist.
@Suite struct HintTests {
  @Test func unknownBuildKitVersionIsNotToldToUsePublished() throws {
    let buildkit = try #require(only("nodespec: 1\narch: amd64\ncomponents:\n  buildkit: 0.9.9\n"))
    #expect(buildkit.id == "unknown-version")
    #expect(buildkit.hint?.contains("published") == false)
    // Following the hint that remains works: a sha256 per arch.
    let sha = String(repeating: "a", count: 64)
    #expect(
      diagnose(
        "nodespec: 1\narch: amd64\ncomponents:\n  buildkit: {version: 0.9.9, sha256: \(sha)}\n"
      ).isEmpty)
    // containerd publishes checksum files, so there it is a way.
    let containerd = try #require(
      only("nodespec: 1\narch: amd64\ncomponents:\n  containerd: 9.9.9\n  runc: 1.2.4\n"))
    #expect(containerd.hint?.contains("`downloads.verify: published`") == true)
  }

  @Test func aComponentWithoutCatalogEntriesSaysSo() throws {
    let text = """
      nodespec: 1
      arch: amd64
      mode: rootless
      user: builder
      components:
        containerd: 2.0.0
        runc: 1.2.4
        nerdctl: 2.0.2
        rootlesskit: 2.3.1
        slirp4netns: {version: 1.3.1, sha256: \(String(repeating: "a", count: 64))}

      """
    let found = diagnose(text)
    #expect(found.map(\.id) == ["unknown-version"])
    #expect(found.first?.message.contains("the catalog pins no rootlesskit release") == true)
    #expect(found.first?.hint?.contains("nearest") == false)
  }

  @Test func exampleVersionsAreRealReleases() {
    for (key, version) in SpecDecoder.exampleVersions {
      guard let component = CatalogComponent(rawValue: key),
        !Catalog.builtin.releases(of: component).isEmpty
      else { continue }
      #expect(Catalog.builtin.knows(component, version: version), "\(key) \(version)")
      #expect(KnownIssues.ids(of: key, version: version).isEmpty, "\(key) \(version)")
    }
    let missing = only("nodespec: 1\narch: amd64\ncomponents:\n  containerd: {static: true}\n")
    #expect(missing?.id == "missing-key")
    #expect(missing?.hint == "e.g. `containerd: {version: 2.0.0}`")
  }

  @Test func rootlessKubernetesPointsAtTheKey() {
    let text = """
      nodespec: 1
      mode: rootless
      user: builder
      components:
        nerdctl-full: 2.0.3
      kubernetes:
        cgroup_driver: systemd

      """
    let found = diagnose(text)
    #expect(found.map(\.id) == ["rootless-kubernetes"])
    #expect(found.first?.range?.start == SourceLocation(line: 6, column: 1))
  }

  @Test(arguments: [
    ("nodespec: 1\ncontainerd: 2.0.0\n", "under `components`"),
    ("nodespec: 1\ncomponents:\n  runc: 1.2.4\n  registries: {}\n", "at the top level"),
    ("nodespec: 1\ncomponents:\n  runc: 1.2.4\n  version: 1.2.4\n", "in a component's mapping"),
  ])
  func aKeyAtTheWrongLevelGetsAnIndentationHint(text: String, place: String) throws {
    let found = try #require(only(text))
    #expect(found.id == "unknown-key")
    #expect(found.hint?.contains(place) == true, "\(found.hint ?? "")")
    #expect(found.hint?.contains("indented at the wrong level") == true)
  }

  @Test func aSpecThatInstallsNothingWarns() {
    #expect(diagnose("nodespec: 1\n").map(\.id) == ["installs-nothing"])
    #expect(diagnose("nodespec: 1\ncomponents: {}\n").map(\.id) == ["installs-nothing"])
    // Mirrors for a containerd installed some other way are something.
    #expect(
      diagnose("nodespec: 1\nregistries:\n  docker.io:\n    mirrors: [https://m.example.com]\n")
        .isEmpty)
  }
}
