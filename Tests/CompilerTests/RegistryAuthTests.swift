import Foundation
import Spec
import Testing

@testable import Compiler

/// `registries.<name>.auth`: an `Authorization: Basic` header for the registry's upstream,
/// made on the node from a password file or when compiling from the environment.
@Suite struct RegistryAuthTests {
  func authRegistry(
    _ name: String, mirrors: [String] = [], password: Header.Value, username: String = "ci",
    fallback: Bool? = nil
  ) -> Registry {
    var registry = registry(name, mirrors, line: 100, fallback: fallback)
    registry.auth = RegistryAuth(
      username: at(username, 121), password: at(password, 122), range: line(120))
    return registry
  }

  func hosts(_ plan: Plan?, _ folder: String) throws -> File {
    try #require(plan?.file("registry.\(folder).hosts"))
  }

  @Test func aPasswordFileBecomesABasicHeaderMadeOnTheNode() throws {
    let (plan, diagnostics) = compile(
      spec(
        components: seedComponents(),
        registries: [
          authRegistry(
            "registry.corp.example", mirrors: ["https://cache.corp.example"],
            password: .file("/etc/nodespec/registry.pass"))
        ]))
    #expect(!diagnostics.hasErrors)
    let file = try hosts(plan, "registry.corp.example")
    #expect(file.mode == 0o600)
    #expect(file.content.isSecret)
    #expect(
      file.content.parts.contains(
        .escapedSecretFile(
          path: "/etc/nodespec/registry.pass", escaping: .basicAuth(username: "ci"))))
    // The root table's header goes to the upstream; the mirror gets no credentials.
    let doc = try parseTOML(file.content)
    #expect(
      lookup(doc, "header", "Authorization") as? String
        == "Basic <secret:/etc/nodespec/registry.pass>")
    #expect(lookup(doc, "host", "https://cache.corp.example", "header") == nil)
  }

  @Test func anEnvironmentPasswordIsEncodedWhenCompiling() throws {
    let password = "p@ss \"w\\:rd"
    let (plan, diagnostics) = compile(
      spec(
        components: seedComponents(),
        registries: [authRegistry("registry.corp.example:5000", password: .environment("REG_PASS"))]),
      environment: ["REG_PASS": password])
    #expect(!diagnostics.hasErrors)
    let file = try hosts(plan, "registry.corp.example_5000_")
    #expect(file.mode == 0o600)
    #expect(file.content.isSecret)
    let text = try #require(file.content.literalText)
    #expect(!text.contains(password))
    let doc = try parseTOML(text)
    let header = try #require(lookup(doc, "header", "Authorization") as? String)
    #expect(header.hasPrefix("Basic "))
    let decoded = Data(base64Encoded: String(header.dropFirst("Basic ".count)))
    #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == "ci:\(password)")
    // containerd 1.6 and 1.7 refuse a hosts.toml without a `host` table.
    #expect(lookup(doc, "host") as? [String: Any] != nil)
  }

  @Test func aMissingOrMultiLineEnvironmentPasswordIsAnErrorThatShowsNoValue() throws {
    let spec = spec(
      components: seedComponents(),
      registries: [authRegistry("registry.corp.example", password: .environment("REG_PASS"))])
    let missing = compile(spec, environment: [:])
    #expect(missing.plan == nil)
    #expect(missing.diagnostics.first("missing-environment")?.range == line(122))
    let bad = compile(spec, environment: ["REG_PASS": "s3cr3t\nX"])
    #expect(bad.plan == nil)
    let error = try #require(bad.diagnostics.first("invalid-environment-value"))
    #expect(error.range == line(122))
    #expect(!error.message.contains("s3cr3t") && !(error.hint ?? "").contains("s3cr3t"))
  }

  @Test func credentialsWithoutOneUpstreamAreRefused() throws {
    for registry in [
      authRegistry("_default", mirrors: ["https://m.example"], password: .file("/p")),
      authRegistry(
        "registry.corp.example", mirrors: ["https://m.example"], password: .file("/p"),
        fallback: false),
    ] {
      let (plan, diagnostics) = compile(
        spec(components: seedComponents(), registries: [registry]))
      #expect(plan == nil)
      #expect(diagnostics.first("auth-without-upstream")?.range == line(120))
    }
  }

  @Test func buildKitIsToldItCannotUseTheCredentials() throws {
    let (_, diagnostics) = compile(
      spec(
        components: seedComponents(),
        registries: [authRegistry("registry.corp.example", password: .file("/p"))]))
    #expect(diagnostics.first("buildkit-ignores-auth")?.range == line(120))
  }
}
