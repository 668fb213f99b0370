import Spec
import Testing

@testable import Compiler

@Suite struct DownloadsTests {
  @Test func mirrorRewritesEveryReleaseURL() throws {
    let (plan, diagnostics) = compile(
      spec(mirror: "https://artifacts.example.com/github/", components: seedComponents()))
    #expect(diagnostics.all.isEmpty)
    let p = try #require(plan)
    #expect(
      p.artifact("containerd.archive")?.sources.first?.url
        == "https://artifacts.example.com/github/containerd/containerd/releases/download/"
        + "v2.0.0/containerd-2.0.0-linux-amd64.tar.gz")
    for case .artifact(let artifact) in p.resources.map(\.kind) {
      #expect(
        artifact.sources.allSatisfy { $0.url.hasPrefix("https://artifacts.example.com/github/") })
    }
  }

  @Test func plainHTTPMirrorWarns() {
    let (plan, diagnostics) = compile(
      spec(mirror: "http://10.0.0.1/gh", components: seedComponents()))
    #expect(plan != nil)
    #expect(diagnostics.first("insecure-mirror")?.range == line(6))
    #expect(compile(spec(mirror: "ftp://x", components: seedComponents())).plan == nil)
  }

  @Test func publishedChecksumsAreRewrittenOntoTheMirror() throws {
    var components = seedComponents()
    components.buildkit = nil
    let (plan, diagnostics) = compile(
      spec(mirror: "https://m.example", verify: .published, components: components))
    #expect(diagnostics.all.isEmpty, "\(diagnostics.all)")
    let p = try #require(plan)
    #expect(
      p.artifact("runc.binary")?.sources.first?.check
        == .published(
          checksumURL: "https://m.example/opencontainers/runc/releases/download/v1.2.4/"
            + "runc.sha256sum"))
    #expect(
      p.artifact("nerdctl.archive")?.sources.first?.check
        == .published(
          checksumURL: "https://m.example/containerd/nerdctl/releases/download/v2.0.2/SHA256SUMS"))
  }

  @Test func buildkitHasNoPublishedChecksums() {
    let (plan, diagnostics) = compile(spec(verify: .published, components: seedComponents()))
    #expect(plan == nil)
    #expect(diagnostics.first("no-published-checksums")?.range == line(50))
  }

  @Test func specPinWinsOverVerifyMode() throws {
    var components = seedComponents()
    components.buildkit = component(
      "buildkit", "0.99.0", line: 50,
      sha256: [ArchValue(arch: .amd64, value: String(repeating: "a", count: 64))])
    let (plan, diagnostics) = compile(spec(verify: .published, components: components))
    #expect(diagnostics.errors.isEmpty, "\(diagnostics.all)")
    #expect(
      plan?.artifact("buildkit.archive")?.sources.first?.check
        == .sha256(String(repeating: "a", count: 64)))
  }

  /// The spec decoder warns about `verify: none` (`verify-none`); the compiler adds nothing.
  @Test func verifyNoneChecksNothing() throws {
    let (plan, diagnostics) = compile(spec(verify: .none, components: seedComponents()))
    #expect(diagnostics.all.isEmpty)
    #expect(plan?.artifact("buildkit.archive")?.sources.first?.check == Artifact.Check.none)
  }

  @Test func unknownVersionNamesTheNeighbours() throws {
    var components = seedComponents()
    components.containerd = component("containerd", "2.0.12", line: 10)
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    let error = try #require(diagnostics.first("unknown-version"))
    #expect(error.range == line(10))
    #expect(error.hint?.contains("2.0.11, 2.1.0") == true)
    #expect(diagnostics.errors.count == 1)
  }

  @Test func unknownVersionIsFineWhenPinnedInTheSpecOrPublished() {
    var components = seedComponents()
    let pin = String(repeating: "b", count: 64)
    components.containerd = component(
      "containerd", "2.0.12", line: 10,
      sha256: [ArchValue(arch: .amd64, value: pin), ArchValue(arch: .arm64, value: pin)])
    #expect(compile(spec(arch: .auto, components: components)).plan != nil)

    components.containerd = component("containerd", "2.0.12", line: 10)
    components.buildkit = nil
    #expect(compile(spec(verify: .published, components: components)).plan != nil)

    // A pin for amd64 only does not cover arm64.
    components.containerd = component(
      "containerd", "2.0.12", line: 10, sha256: [ArchValue(arch: .amd64, value: pin)])
    #expect(
      compile(spec(arch: .auto, components: components)).diagnostics.ids == ["unknown-version"])
  }

  @Test func urlOverrideIsUsedAsIs() throws {
    var components = seedComponents()
    components.runc = component(
      "runc", "1.2.4", line: 20, url: [ArchValue(arch: nil, value: "https://files.example/runc")])
    let plan = try #require(compile(spec(mirror: "https://m.example", components: components)).plan)
    let source = try #require(plan.artifact("runc.binary")?.sources.first)
    #expect(source.url == "https://files.example/runc")
    #expect(source.fileName == "runc.amd64")
  }

  @Test func missingArchesAreErrorsAtTheVersionLine() throws {
    // nerdctl-full has no arm build at all.
    let full = Components(nerdctlFull: component("nerdctl-full", "2.0.3", line: 60))
    let (plan, diagnostics) = compile(spec(arch: .fixed(.arm), components: full))
    #expect(plan == nil)
    #expect(diagnostics.first("unknown-arch")?.range == line(60))

    // nerdctl 2.3.0 publishes arm-v7, but the catalog has no pin for it.
    let nerdctl = Components(nerdctl: component("nerdctl", "2.3.0", line: 40))
    let second = compile(spec(arch: .fixed(.arm), components: nerdctl))
    #expect(second.diagnostics.first("unknown-arch")?.range == line(40))
  }

  @Test func overridesAreValidated() {
    var components = seedComponents()
    components.runc = component(
      "runc", "1.2.4", line: 20, sha256: [ArchValue(arch: .amd64, value: "ABC")],
      url: [ArchValue(arch: nil, value: "file:///tmp/runc")])
    let (plan, diagnostics) = compile(spec(components: components))
    #expect(plan == nil)
    #expect(diagnostics.first("invalid-sha256")?.range == line(21))
    #expect(diagnostics.first("invalid-url")?.range == line(22))
  }
}
