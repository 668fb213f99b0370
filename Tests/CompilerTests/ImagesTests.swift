import Spec
import Testing

@testable import Compiler

/// `images:`: tarballs verified and imported into containerd's `k8s.io` namespace once per
/// digest, after containerd runs.
@Suite struct ImagesTests {
  static let fileSHA = String(repeating: "a", count: 64)
  static let urlSHA = String(repeating: "b", count: 64)

  func imagesSpec(
    _ images: [ImagePreload], mode: Mode = .root, components: Components = seedComponents(),
    mirror: String? = nil
  ) -> NodeSpec {
    var spec = spec(mode: mode, mirror: mirror, components: components)
    spec.images = images
    spec.imagesRange = line(200)
    return spec
  }

  func image(_ source: ImagePreload.Source, _ sha: String, line n: Int) -> ImagePreload {
    ImagePreload(source: at(source, n), sha256: at(sha, n + 1), range: line(n))
  }

  @Test func aNodeFileIsImportedAfterContainerdStartsOncePerDigest() throws {
    let (plan, diagnostics) = compile(
      imagesSpec([image(.file("/srv/images/pause.tar"), Self.fileSHA, line: 201)]))
    #expect(!diagnostics.hasErrors)
    let p = try #require(plan)
    let id = "images.\(Self.fileSHA).import"
    let resource = try #require(p.resource(id))
    guard case .command(let command) = resource.kind else {
      Issue.record("\(id) is no command")
      return
    }
    let marker = "/var/lib/nodespec/images/\(Self.fileSHA).imported"
    #expect(command.guard == .creates(marker))
    #expect(command.user == nil)
    // Spec values are arguments of a fixed script, never part of its text.
    #expect(
      command.argv
        == [
          "/bin/sh", ImagesModule.script, "/srv/images/pause.tar", Self.fileSHA, marker,
          "/usr/local/bin/ctr", "no",
        ])
    #expect(p.file("images.script")?.content.literalText == ImagesModule.importScript)
    #expect(resource.condition == .systemdRunning)
    // After containerd.service, which it needs running.
    let ids = p.ids
    #expect(try #require(ids.firstIndex(of: id)) > (ids.firstIndex(of: "containerd.service") ?? .max))
    #expect(p.resource("images.\(Self.fileSHA).download") == nil)
  }

  @Test func aURLIsDownloadedVerifiedAndRemovedOnceImported() throws {
    let (plan, diagnostics) = compile(
      imagesSpec(
        [image(.url("https://github.com/corp/images/releases/download/v1/x.tar"), Self.urlSHA, line: 201)],
        mirror: "https://artifacts.corp.example/github"))
    #expect(!diagnostics.hasErrors)
    let p = try #require(plan)
    guard case .artifact(let artifact)? = p.resource("images.\(Self.urlSHA).download")?.kind else {
      Issue.record("no download")
      return
    }
    let tarball = "/var/lib/nodespec/images/\(Self.urlSHA).tar"
    #expect(
      artifact.sources.map(\.url)
        == ["https://artifacts.corp.example/github/corp/images/releases/download/v1/x.tar"])
    #expect(artifact.sources.map(\.check) == [.sha256(Self.urlSHA)])
    #expect(artifact.install == .binary(path: tarball, mode: 0o600))
    // Once imported the tarball is gone; the record is what keeps it from coming again.
    #expect(artifact.provides == ["/var/lib/nodespec/images/\(Self.urlSHA).imported"])
    guard case .command(let command)? = p.resource("images.\(Self.urlSHA).import")?.kind else {
      Issue.record("no import")
      return
    }
    #expect(command.argv[2] == tarball && command.argv.last == "yes")
  }

  @Test func refusedWithoutContainerdInRootlessModeAndTwice() throws {
    let file = image(.file("/srv/a.tar"), Self.fileSHA, line: 201)
    let none = compile(imagesSpec([file], components: Components(runc: component("runc", "1.2.4", line: 20))))
    #expect(none.plan == nil)
    #expect(none.diagnostics.first("images-need-containerd")?.range == line(200))

    let twice = compile(
      imagesSpec([file, image(.url("https://m.example/a.tar"), Self.fileSHA, line: 210)]))
    #expect(twice.plan == nil)
    let duplicate = try #require(twice.diagnostics.first("duplicate-image"))
    #expect(duplicate.range == line(211))
    #expect(duplicate.notes.first?.range == line(202))
  }
}
