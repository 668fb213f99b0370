import Foundation
import Spec
import Testing

@testable import Compiler

/// Prints generated files when NODESPEC_DUMP is set (for eyeballing, not asserting).
@Suite struct DumpTests {
  @Test(.enabled(if: ProcessInfo.processInfo.environment["NODESPEC_DUMP"] != nil))
  func dump() throws {
    let mirrors = [
      Mirror(url: at("docker.m.daocloud.io", 111), range: line(111)),
      Mirror(
        url: at("http://mirror.internal:5000/v2/proxy", 112),
        capabilities: at([.pull, .resolve, .push], 113),
        ca: [at("/etc/ssl/ca.pem", 114)],
        client: [at(ClientPair(certificate: "/c.pem", key: "/k.pem"), 115)],
        skipVerify: at(true, 116),
        headers: [
          Header(name: at("Authorization", 117), values: [at(.file("/etc/nodespec/token"), 117)])
        ],
        range: line(112)),
    ]
    let s = spec(
      components: seedComponents(),
      registries: [
        registry("docker.io", mirrors: mirrors),
        registry("registry.example.com:5000", ["https://r.example"], line: 200, fallback: false),
      ],
      kubernetes: kubernetes())
    let (plan, diagnostics) = compile(s)
    for d in diagnostics.all {
      print("DIAG", d.severity, d.id, d.range?.description ?? "", d.message)
    }
    for r in plan?.resources ?? [] {
      if case .file(let f) = r.kind {
        print("=== \(r.id) \(f.path) \(String(f.mode, radix: 8))")
        print(f.content.parts.map { if case .text(let t) = $0 { t } else { "<SECRET>" } }.joined())
      }
    }
  }
}
