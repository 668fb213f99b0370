import Foundation
import Spec
import Testing

@testable import Compiler

@Suite struct CatalogTests {
  let catalog = Catalog.builtin

  /// The compiled-in catalog is exactly catalog/catalog.tsv: nothing typed by hand into the
  /// Swift table, nothing stale.
  @Test func matchesTheDataFile() throws {
    let (status, tsv) = try runGenerator(["--tsv"])
    #expect(status == 0)
    let expected = tsv.split(separator: "\n").map(String.init)
    let actual = catalog.entries.map {
      "\($0.component.rawValue)\t\($0.version)\t\($0.arch.rawValue)\t\($0.digest)"
    }
    #expect(actual == expected)
    #expect(actual.count > 300)
  }

  @Test func generatedFileIsFresh() throws {
    #expect(try runGenerator(["--check"]).status == 0)
  }

  /// Every pin names where it was read.
  @Test func everyPinHasASource() throws {
    let lines = try String(contentsOfFile: catalogData, encoding: .utf8)
      .split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst()
    #expect(lines.count == catalog.entries.count)
    for line in lines {
      let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
      #expect(cells.count == 5 && !cells[4].isEmpty, "\(line)")
    }
  }

  /// A data file with a pin twice, or a bad hash, is refused, naming the line.
  @Test(arguments: [
    "containerd\t2.0.0\tamd64\t6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1\tx\n"
      + "containerd\t2.0.0\tamd64\t6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1\ty\n",
    "containerd\t2.0.0\tamd64\t6F8DA716\tx\n",
    "containerd\t2.0.0\tamd64\t6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1\t\n",
    "containerd\t2.0.0\tsparc\t6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1\tx\n",
  ])
  func badDataIsRefused(_ rows: String) throws {
    let file = try temporaryFile("component\tversion\tarch\tdigest\tsource\n" + rows)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let (status, output) = try runGenerator(["--data", file, "--tsv"])
    #expect(status != 0)
    #expect(output.isEmpty)
  }

  /// scripts/add-release.py reads the asset's exact line of the published checksum file
  /// (IntegrationTests/data/published-checksums holds files in the published format).
  @Test func addReleaseReadsThePublishedChecksumFile() throws {
    let published = repositoryRoot + "/IntegrationTests/data/published-checksums"
    let (status, output) = try runScript(
      "add-release.py",
      [
        "nerdctl", "2.0.3", "--arch", "amd64", "--arch", "arm", "--from", published,
        "--dry-run",
      ])
    #expect(status == 0)
    let base = "https://github.com/containerd/nerdctl/releases/download/v2.0.3/SHA256SUMS"
    #expect(
      output.split(separator: "\n").map(String.init) == [
        "nerdctl\t2.0.3\tamd64\t\(try #require(catalog.digest(.nerdctl, version: "2.0.3", arch: .amd64)))\t\(base)",
        "nerdctl\t2.0.3\tarm\t\(try #require(catalog.digest(.nerdctl, version: "2.0.3", arch: .arm)))\t\(base)",
      ])
    // `*name` (binary mode) lines and per-asset files.
    let containerd = try runScript(
      "add-release.py", ["containerd", "2.0.0", "--from", published, "--dry-run"])
    #expect(containerd.status == 0)
    #expect(
      containerd.output.split(separator: "\n").map { $0.split(separator: "\t")[3] } == [
        "6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1",
        "2a00b1553f38aa9e716d61316b661961c2fbfbb7aad7bd73b377be5725ecc0f1",
      ])
    // BuildKit publishes none.
    #expect(
      try runScript("add-release.py", ["buildkit", "0.18.2", "--from", published, "--dry-run"])
        .status != 0)
  }

  /// Adding a release writes the data file and the Swift table; a hash that disagrees with
  /// the catalog stops it.
  @Test func addReleaseWritesTheCatalogAndRefusesADisagreement() throws {
    let published = repositoryRoot + "/IntegrationTests/data/published-checksums"
    let all = try String(contentsOfFile: catalogData, encoding: .utf8)
    let without = all.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("nerdctl-full\t2.0.3\t") }.joined(separator: "\n")
    let data = try temporaryFile(without)
    let swift = try temporaryFile("")
    defer { for file in [data, swift] { try? FileManager.default.removeItem(atPath: file) } }
    let added = try runScript(
      "add-release.py",
      ["nerdctl-full", "2.0.3", "--from", published, "--data", data, "--out", swift])
    #expect(added.status == 0)
    let written = try String(contentsOfFile: data, encoding: .utf8)
    #expect(
      written.contains(
        "nerdctl-full\t2.0.3\tarm64\t2a97f78e14cb3e024068d936c8fb801365981e5b48577e278907079de47e4d2c\t"
          + "https://github.com/containerd/nerdctl/releases/download/v2.0.3/SHA256SUMS\n"))
    #expect(
      try String(contentsOfFile: swift, encoding: .utf8)
        == String(
          contentsOfFile: repositoryRoot + "/Sources/Compiler/Catalog+Data.swift", encoding: .utf8))

    let conflicting = try temporaryFile(
      all.replacing(
        "91bfb8faec1673f3e7c3a020812acffc50a7d7dd82019461f6cfa46435240903",
        with: String(repeating: "0", count: 64)))
    defer { try? FileManager.default.removeItem(atPath: conflicting) }
    let refused = try runScript(
      "add-release.py",
      [
        "nerdctl-full", "2.0.3", "--from", published, "--data", conflicting,
        "--out", swift,
      ])
    #expect(refused.status != 0)
  }

  private func temporaryFile(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("nodespec-catalog-\(UUID().uuidString)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(arguments: [
    // Seed versions (kubespray; nerdctl's SHA256SUMS.d; lima).
    (
      CatalogComponent.containerd, "2.0.0", Arch.amd64,
      "6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1"
    ),
    (
      .containerdStatic, "2.0.0", .arm64,
      "428cd0b08eab57003db8a98742d8404b4b69dcd335c5f0f66ceec5fe3b9b31b6"
    ),
    (.runc, "1.2.2", .amd64, "a34f5ab4fc1df1f456293c3d797a76f2d41cf3cd970bb49fc53ba94bbc8a5cf6"),
    (.cni, "1.6.1", .arm64, "f0f440b968ab50ad13d9d42d993ba98ec30b2ec666846f4ef1bddc7646a701cc"),
    (
      .buildkit, "0.18.1", .amd64,
      "02b986569330f09dc837486f80d9818812aba1ac8bd892b337adeb56eafe3794"
    ),
    (.nerdctl, "1.7.7", .arm, "26582565426152dc426fd47d8090547128e415314f36710bc58ab475160ab0a4"),
    (
      .nerdctlFull, "2.0.3", .amd64,
      "91bfb8faec1673f3e7c3a020812acffc50a7d7dd82019461f6cfa46435240903"
    ),
    // Lists (lima, nerdctl's SHA256SUMS.d).
    (
      .nerdctlFull, "1.7.6", .arm64,
      "77c747f09853ee3d229d77e8de0dd3c85622537d82be57433dc1fca4493bab95"
    ),
    (
      .buildkit, "0.31.2", .arm64,
      "41fba1eed480376934fa4c8177ddd7021036b5168a0eb8e7ab5eccdf75d47a05"
    ),
    // Appendix (kubespray).
    (
      .containerd, "2.3.4", .arm64,
      "a985fbb7e18fc0362d31a055338f5d7b0e087a3e27f14c70d1c5965399a29f95"
    ),
    (
      .containerd, "1.7.20", .amd64,
      "e09410787b6f392748959177a84e024424f75d7aff33ea1c5b783f2260edce67"
    ),
    (
      .containerdStatic, "1.7.34", .amd64,
      "8e244782bbbbe39b2213b961f0939974e88b33f68bed13c6b51f8b4c4ab8ca47"
    ),
    (.runc, "1.1.8", .arm64, "7c22cb618116d1d5216d79e076349f93a672253d564b19928a099c20e4acd658"),
    (.cni, "1.9.1", .ppc64le, "44b743ff6e4dc145eb4e5280e49eca182fcc586d8d52ab431d5904b66e5ca6f7"),
    (.cni, "1.6.0", .arm, "10cd1b6b0f7c1e6faf18b2e46ee338beb1e1cce253efc7086f8bc1f4e1061d1a"),
    (.nerdctl, "2.2.2", .arm, "a5515536b3a85486c819f9ca278b63eb1a182ee2a4ce0a7a68f9f36249e18685"),
    (.youki, "0.5.7", .arm64, "d51990751e796391254c36d40f05b0624017cb544284f9721a645d05747b3d84"),
    (
      .runscShim, "20260817.0", .arm64,
      "sha512:a7c0147f635938225e41c9660b95ba5235121a142c11830794e2a52b472783547e2b089bdba4f1344d"
        + "30f65aeee651b377a1cafadd262a134f5e1ac10c6bf4bb"
    ),
  ])
  func spotChecks(component: CatalogComponent, version: String, arch: Arch, sha: String) {
    #expect(catalog.digest(component, version: version, arch: arch)?.description == sha)
  }

  @Test func absentTriplesAreNil() {
    // nerdctl 2.3.0 has no arm hash; nerdctl-full 1.7.7 was never found; 2.2.0 is unverified.
    #expect(catalog.digest(.nerdctl, version: "2.3.0", arch: .arm) == nil)
    #expect(catalog.digest(.nerdctlFull, version: "1.7.7", arch: .amd64) == nil)
    #expect(catalog.digest(.nerdctlFull, version: "2.2.0", arch: .amd64) == nil)
    #expect(catalog.digest(.containerd, version: "2.0.0", arch: .arm) == nil)
  }

  @Test func releasesAreNewestFirst() {
    let containerd = catalog.releases(of: .containerd).map(\.version)
    #expect(containerd.first == "2.3.4")
    #expect(containerd.last == "1.7.20")
    // Semantic, not text order: 2.0.11 is newer than 2.0.9.
    let i11 = containerd.firstIndex(of: "2.0.11") ?? -1
    let i9 = containerd.firstIndex(of: "2.0.9") ?? -1
    #expect(i11 >= 0 && i11 < i9)
    let cni = catalog.releases(of: .cni)
    #expect(
      cni.first == Catalog.Release(version: "1.9.1", arches: [.amd64, .arm64, .arm, .ppc64le]))
    // RootlessKit and slirp4netns are pinned by the spec, never by the catalog.
    for component in CatalogComponent.allCases
    where ![.rootlesskit, .slirp4netns].contains(component) {
      #expect(!catalog.releases(of: component).isEmpty, "\(component)")
    }
  }

  @Test func neighbours() {
    #expect(catalog.neighbours(of: "2.0.12", in: .containerd) == ["2.0.11", "2.1.0"])
    #expect(catalog.neighbours(of: "9.0.0", in: .runc) == ["1.4.3"])
    #expect(catalog.neighbours(of: "0.1.0", in: .buildkit) == ["0.17.0"])
  }

  @Test func assetNamesPerArch() {
    #expect(
      CatalogComponent.containerd.assetURL(version: "2.0.0", arch: .amd64)
        == "https://github.com/containerd/containerd/releases/download/v2.0.0/"
        + "containerd-2.0.0-linux-amd64.tar.gz")
    #expect(
      CatalogComponent.containerdStatic.assetName(version: "2.0.0", arch: .arm64)
        == "containerd-static-2.0.0-linux-arm64.tar.gz")
    #expect(CatalogComponent.containerd.assetName(version: "2.0.0", arch: .arm) == nil)
    #expect(CatalogComponent.runc.assetName(version: "1.2.2", arch: .arm) == "runc.armhf")
    #expect(
      CatalogComponent.runc.assetURL(version: "1.2.2", arch: .amd64)
        == "https://github.com/opencontainers/runc/releases/download/v1.2.2/runc.amd64")
    #expect(
      CatalogComponent.cni.assetURL(version: "1.6.1", arch: .amd64)
        == "https://github.com/containernetworking/plugins/releases/download/v1.6.1/"
        + "cni-plugins-linux-amd64-v1.6.1.tgz")
    #expect(
      CatalogComponent.nerdctl.assetName(version: "1.7.7", arch: .arm)
        == "nerdctl-1.7.7-linux-arm-v7.tar.gz")
    #expect(CatalogComponent.nerdctlFull.assetName(version: "2.0.3", arch: .arm) == nil)
    #expect(CatalogComponent.nerdctlFull.publishedArches == [.amd64, .arm64])
    #expect(
      CatalogComponent.buildkit.assetURL(version: "0.18.1", arch: .arm)
        == "https://github.com/moby/buildkit/releases/download/v0.18.1/"
        + "buildkit-v0.18.1.linux-arm-v7.tar.gz")
  }

  @Test func checksumFiles() {
    let base = "https://github.com/containerd"
    #expect(
      CatalogComponent.containerd.checksumURL(version: "2.0.0", arch: .amd64)
        == "\(base)/containerd/releases/download/v2.0.0/containerd-2.0.0-linux-amd64.tar.gz"
        + ".sha256sum")
    #expect(
      CatalogComponent.runc.checksumURL(version: "1.2.2", arch: .arm64)
        == "https://github.com/opencontainers/runc/releases/download/v1.2.2/runc.sha256sum")
    #expect(
      CatalogComponent.cni.checksumURL(version: "1.6.1", arch: .amd64)?.hasSuffix(
        "/v1.6.1/cni-plugins-linux-amd64-v1.6.1.tgz.sha256") == true)
    #expect(
      CatalogComponent.nerdctlFull.checksumURL(version: "2.0.3", arch: .amd64)
        == "\(base)/nerdctl/releases/download/v2.0.3/SHA256SUMS")
    #expect(CatalogComponent.buildkit.checksumURL(version: "0.18.1", arch: .amd64) == nil)
  }
}

@Suite struct SemanticVersionTests {
  @Test func parsesAndOrders() throws {
    let v = try #require(SemanticVersion("2.0.11"))
    #expect(v.numbers == [2, 0, 11])
    #expect(SemanticVersion("1.10.0")! > SemanticVersion("1.9.0")!)
    #expect(SemanticVersion("2.4.0-beta.0")! < SemanticVersion("2.4.0")!)
    #expect(SemanticVersion("2.4.0-beta.2")! < SemanticVersion("2.4.0-beta.10")!)
    #expect(SemanticVersion("2.4")?.description == "2.4.0")
    for bad in ["v2.0.0", "2", "2.0.0.0", "2..0", "2.0.x", "", "2.0.0-"] {
      #expect(SemanticVersion(bad) == nil, "\(bad)")
    }
  }
}

@Suite struct CatalogListingTests {
  @Test func listing() throws {
    let all = try #require(Catalog.builtin.listing())
    // Spec keys in spec order; containerd's static build is containerd with `static: true`.
    #expect(
      all.map { [$0.key, $0.option].compactMap { $0 }.joined(separator: " ") } == [
        "containerd", "containerd static: true", "runc", "cni", "nerdctl", "buildkit",
        "nerdctl-full", "rootlesskit", "slirp4netns", "crictl",
      ])
    #expect(all.first { $0.option != nil }?.component == .containerdStatic)
    // Listed, with no releases: the spec must bring the checksum.
    #expect(all.first { $0.key == "rootlesskit" }?.releases == [])
    let nerdctl = try #require(Catalog.builtin.listing("nerdctl")?.first)
    #expect(nerdctl.releases.first?.version == "2.3.0")
    #expect(nerdctl.releases.first?.arches == [.amd64, .arm64])
    #expect(
      nerdctl.releases.last == Catalog.Release(version: "1.7.0", arches: [.amd64, .arm64, .arm]))
    #expect(nerdctl.warnings["2.0.1"] == ["nerdctl-hosts-bug"])
    #expect(nerdctl.warnings["2.0.2"] == nil)
    let runc = try #require(Catalog.builtin.listing("runc")?.first)
    #expect(runc.warnings["1.2.2"] == ["known-bad-version"])
    #expect(Catalog.builtin.listing("docker") == nil)
    #expect(Catalog.builtin.listing("containerd-static") == nil)
  }
}

@Suite struct GeneratorTests {
  let a = String(repeating: "a", count: 64)
  let b = String(repeating: "b", count: 64)

  /// The output is sorted by component, semantic version and arch, whatever the file's order.
  @Test func sortsByComponentVersionAndArch() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("nodespec-catalog-\(UUID().uuidString).tsv").path
    try """
    # a comment
    component\tversion\tarch\tdigest\tsource
    runc\t1.2.10\tarm64\t\(b)\tx
    runc\t1.2.9\tamd64\t\(a)\tx
    runc\t1.2.10\tamd64\t\(a)\tx
    cni\t1.6.0\tamd64\t\(b)\ty; z

    """.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (status, output) = try runGenerator(["--data", path, "--tsv"])
    #expect(status == 0)
    #expect(
      output.split(separator: "\n").map(String.init) == [
        "cni\t1.6.0\tamd64\t\(b)", "runc\t1.2.9\tamd64\t\(a)", "runc\t1.2.10\tamd64\t\(a)",
        "runc\t1.2.10\tarm64\t\(b)",
      ])
  }

  /// gVisor publishes sha512 only: `sha512:` and 128 hex digits is a digest, and the Swift
  /// table says which algorithm; 128 digits without the prefix, or a short sha512, are not.
  @Test(arguments: [
    ("sha512:" + String(repeating: "c", count: 128), true),
    (String(repeating: "c", count: 128), false),
    ("sha512:" + String(repeating: "c", count: 64), false),
    ("sha384:" + String(repeating: "c", count: 96), false),
  ])
  func sha512Digests(_ digest: String, _ accepted: Bool) throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("nodespec-catalog-\(UUID().uuidString).tsv").path
    let out = path + ".swift"
    try "# date: 2026-01-01\ncomponent\tversion\tarch\tdigest\tsource\nrunsc\t20260817.0\tamd64\t\(digest)\tx\n"
      .write(toFile: path, atomically: true, encoding: .utf8)
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: out)
    }
    let (status, output) = try runGenerator(["--data", path, "--tsv"])
    #expect((status == 0) == accepted)
    guard accepted else { return }
    #expect(output == "runsc\t20260817.0\tamd64\t\(digest)\n")
    #expect(try runGenerator(["--data", path, "--out", out]).status == 0)
    let swift = try String(contentsOfFile: out, encoding: .utf8)
    #expect(swift.contains(".sha512(\"\(String(repeating: "c", count: 128))\")"))
  }
}
