import Testing

@testable import Spec

private let someDigest = String(repeating: "a", count: 64)

/// A URL's password (or token user) is printed by no diagnostic: refused as `invalid-url` at
/// the value for every URL key, whatever else is wrong with the URL, named masked, and masked
/// in every excerpt of its line.
@Suite struct URLCredentialsTests {
  let renderer = DiagnosticRenderer(color: false)

  func report(_ text: String) -> (ids: [String], output: String) {
    var diagnostics = Diagnostics()
    let file = SourceFile(path: "n.yaml", text: text)
    _ = SpecLoader.load(file, diagnostics: &diagnostics)
    return (diagnostics.errors.map(\.id), renderer.render(diagnostics.all, in: file))
  }

  @Test(arguments: [
    ("https://alice:s3cret@m.example/gh", "https://alice:****@m.example/gh"),
    ("https://s3cret@m.example", "https://****@m.example"),
    ("HTTP://alice:s3cret@[::1]:5000/x", "HTTP://alice:****@[::1]:5000/x"),
    ("https://m.example/a@s3cret", "https://m.example/a@s3cret"),
    ("see https://a:s3cret@x and http://b:s3cret@y.", "see https://a:****@x and http://b:****@y."),
  ])
  func masksThePasswordOfEachURL(_ text: String, _ masked: String) {
    #expect(URLCredentials.masked(text) == masked)
  }

  @Test func aURLWithoutItsSchemeIsMaskedWhenReadAsOne() {
    #expect(
      URLCredentials.masked("alice:s3cret@m.example:5000", bare: true)
        == "alice:****@m.example:5000")
    #expect(URLCredentials.masked("alice:s3cret@m.example:5000") == "alice:s3cret@m.example:5000")
  }

  /// Each URL key, with credentials and (after them, so checked first today) a query, a
  /// fragment, a blank or no scheme: one `invalid-url` at the value, "holds credentials",
  /// the password nowhere in the report.
  @Test(arguments: [
    ("downloads: {mirror: 'https://alice:s3cret@m.example/gh?x=1'}", "4:21"),
    ("registries: {docker.io: {mirrors: ['alice:s3cret@m.example:5000']}}", "4:36"),
    ("registries: {docker.io: {mirrors: [{url: 'https://alice:s3cret@m.example/#f'}]}}", "4:42"),
    ("registries: {ghcr.io: {server: 'https://alice:s3cret@g.example/a b'}}", "4:32"),
    (
      "components: {containerd: {version: 2.0.0, url: 'http://alice:s3cret@b.example/c.tgz'}}",
      "4:48"
    ),
    ("components: {runc: {version: 1.2.5, url: {amd64: 'https://s3cret@b.example/runc'}}}", "4:50"),
    (
      "images: [{url: 'https://alice:s3cret@b.example/i.tar?t', sha256: \(String(repeating: "a", count: 64))}]",
      "4:16"
    ),
    ("proxy: {https: 'alice:s3cret@proxy.example:3128'}", "4:16"),
  ])
  func everyURLKeyRefusesCredentialsAndNeverPrintsThem(_ line: String, _ at: String) {
    let (ids, output) = report("nodespec: 1\nname: t\narch: amd64\n\(line)\n")
    #expect(ids == ["invalid-url"], "\(output)")
    #expect(output.contains("n.yaml:\(at): error: "), "\(output)")
    #expect(output.contains("holds credentials"), "\(output)")
    #expect(!output.contains("s3cret"), "\(output)")
  }

  /// The hint names a way to send the secret that the key has: a mirror takes a `header`, a
  /// download sends none.
  @Test(arguments: [
    ("registries: {docker.io: {mirrors: ['https://alice:s3cret@m.example']}}", true),
    ("registries: {ghcr.io: {server: 'https://alice:s3cret@g.example'}}", true),
    ("downloads: {mirror: 'https://alice:s3cret@m.example/gh'}", false),
    ("components: {runc: {version: 1.2.5, url: {amd64: 'https://s3cret@b.example/r'}}}", false),
    ("images: [{url: 'https://a:s3cret@b.example/i.tar', sha256: \(someDigest)}]", false),
  ])
  func theCredentialsHintFitsTheKey(_ line: String, _ mirror: Bool) {
    let (_, output) = report("nodespec: 1\nname: t\narch: amd64\n\(line)\n")
    #expect(output.contains("mirror `header`") == mirror, "\(output)")
    #expect(output.contains("a download sends no header") == !mirror, "\(output)")
  }

  /// A diagnostic that is not about the URL (here the reader's, which stops before any URL
  /// is checked) still shows its line without the password.
  @Test func anyExcerptOfTheLineMasksThePassword() {
    let (ids, output) = report(
      "nodespec: 1\ndownloads: {mirror: \"https://alice:s3cret@m.example/\\x07\"}\n")
    #expect(ids == ["control-character"], "\(output)")
    #expect(!output.contains("s3cret"), "\(output)")
    #expect(output.contains("https://alice:******@m.example/"), "\(output)")
  }
}
