import Testing

@testable import Spec

@Suite struct SpecGrammarTests {
  @Test(arguments: ["1", "2.0.0", "1.10", "0.18.1", "2.1.0-rc.1", "1.7.7-beta", "10.20.30-alpha.2"])
  func versions(_ text: String) { #expect(SpecGrammar.isVersion(text)) }

  @Test(arguments: ["", "v1.0", "1..2", ".1", "1.", "1.2-", "1.2-rc..1", "1.2_3", "latest", "1 .2"])
  func notVersions(_ text: String) { #expect(!SpecGrammar.isVersion(text)) }

  @Test(arguments: [
    "docker.io", "registry.k8s.io", "localhost", "localhost:5000", "10.0.0.1:443",
    "[::1]:5000", "[fe80::1]", "_default", "my-registry.example.com", "a1.internal",
    "255.255.255.255", "0.0.0.0:5000", "1.2.3.example", "DOCKER.io",
  ])
  func registryNames(_ text: String) { #expect(SpecGrammar.isRegistryName(text)) }

  @Test(arguments: [
    "", "https://docker.io", "docker.io/library", "-bad.io", "bad-.io", "a..b", "a.io:0",
    "a.io:65536", "a.io:", "[::1", "::1", "_other", "a_b.io", "a b", "a.io:5000x",
    // A name ending in a number is an IPv4 address: four octets of at most 255.
    "256.1.1.1", "10.0.0.300:5000", "1.2.3", "1.2.3.4.5", "010.0.0.1", "a.b.1",
  ])
  func notRegistryNames(_ text: String) { #expect(!SpecGrammar.isRegistryName(text)) }

  @Test(arguments: [
    ("https://a.io", false), ("http://a.io:5000/v2", false), ("HTTPS://A.io", false),
    ("https://[::1]:443/x", false), ("a.io", true), ("a.io:5000/path", true),
    ("Http://a.io", false), ("https://a.io:00080", false), ("https://a.io/\u{E9}t\u{E9}", false),
    ("https://10.0.0.1:65535", false), ("https://255.0.0.10", false),
  ])
  func urls(_ text: String, _ schemeOptional: Bool) {
    #expect(SpecGrammar.urlProblem(text, schemeOptional: schemeOptional) == nil)
  }

  @Test(arguments: [
    ("a.io", false), ("ftp://a.io", false), ("https://", false), ("https:///x", false),
    ("https://a io", false), ("https://a.io/\"", false), ("https://a.io/'", false),
    ("https://a.io\\x", false), ("https://u:p@a.io", false), ("https://a.io:99999", false),
    ("file:///etc/passwd", true), ("javascript://x", true), ("a.io/`id`", true), ("", true),
    // Tokens hide in queries and fragments.
    ("https://[::1]:443/x?y", false), ("https://a.io/v2?token=s", false), ("a.io/#x", true),
    ("https://a.io?", false), ("https://256.0.0.1", false), ("https://01.0.0.1", false),
    ("https://10.0.0.1:65535#x", false),
    ("https://a.io:0", false), ("https://a.io:+80", false), ("https://a\u{A0}b.io", false),
    ("https://a.io/\u{2028}", false), ("https://\u{E9}.io", false), ("https://a.io:", false),
    ("https://a<b.io", false), ("htt://a.io", false), ("https:/a.io", false),
    ("https://b\u{301}.io", false),
  ])
  func notURLs(_ text: String, _ schemeOptional: Bool) {
    #expect(SpecGrammar.urlProblem(text, schemeOptional: schemeOptional) != nil)
  }

  @Test(arguments: ["/", "/usr/local", "/etc/ssl/certs/ca.pem", "/a/./b", "/a..b/c"])
  func paths(_ text: String) { #expect(SpecGrammar.pathProblem(text) == nil) }

  @Test(arguments: ["", "usr/local", "./x", "~/x", "/a/../b", "/.."])
  func notPaths(_ text: String) { #expect(SpecGrammar.pathProblem(text) != nil) }

  @Test func users() {
    #expect(
      ["builder", "_svc", "a", "ci-runner_2", String(repeating: "a", count: 32)].allSatisfy(
        SpecGrammar.isUser))
    #expect(
      !["", "Bob", "1user", "-x", "a b", "a$", String(repeating: "a", count: 33)].contains(
        where: SpecGrammar.isUser))
  }

  @Test func headerAndEnvironmentNames() {
    #expect(["Authorization", "X-Mirror-Token", "x_a.b~!"].allSatisfy(SpecGrammar.isHeaderName))
    #expect(!["", "X Y", "X:Y", "X\"", "Ä"].contains(where: SpecGrammar.isHeaderName))
    #expect(["A", "_A1", "MIRROR_TOKEN"].allSatisfy(SpecGrammar.isEnvironmentName))
    #expect(!["", "1A", "A-B", "A B", "$A"].contains(where: SpecGrammar.isEnvironmentName))
  }

  @Test func sha256AndNames() {
    #expect(SpecGrammar.isSHA256(String(repeating: "aF09", count: 16)))
    #expect(!SpecGrammar.isSHA256(String(repeating: "a", count: 63)))
    #expect(!SpecGrammar.isSHA256(String(repeating: "g", count: 64)))
    // Fullwidth digits are hex digits to Character.isHexDigit, not to sha256sum.
    #expect(!SpecGrammar.isSHA256(String(repeating: "a", count: 63) + "\u{FF10}"))
    #expect(SpecGrammar.isName("build-01.a_b"))
    #expect(!SpecGrammar.isName(String(repeating: "a", count: 64)))
  }

  @Test(arguments: [
    ("containrd", "containerd"), ("skip-verify", "skip_verify"), ("Mirrors", "mirrors"),
    ("nerdctl_full", "nerdctl-full"), ("cgroup", nil), ("zzz", nil),
  ])
  func didYouMean(_ word: String, _ expected: String?) {
    let keys = ["containerd", "skip_verify", "mirrors", "nerdctl-full", "cgroup_driver"]
    #expect(closest(to: word, among: keys) == expected)
  }
}
