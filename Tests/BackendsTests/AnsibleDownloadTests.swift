import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// How the playbook downloads: an `https` source through the redirect walk (a `uri` loop that
/// follows no redirect itself, then a `fail` for a refused one), anything else through one
/// `get_url`. Read back with PyYAML, as Ansible reads it. The walk's behaviour against a real
/// server is the system case `redirect` (IntegrationTests/system/lib/cases.sh).
@Suite struct AnsibleDownloadTests {
  static func plan(_ urls: [Arch: String], check: Artifact.Check = .none) -> Plan {
    Plan(
      name: nil, arches: urls.keys.sorted { $0.rawValue < $1.rawValue },
      resources: [
        Resource(
          id: "tool", origin: nil,
          kind: .artifact(
            Artifact(
              title: "tool 1.0",
              sources: urls.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                .init(arch: $0.key, url: $0.value, fileName: "tool", check: check)
              },
              install: .binary(path: "/usr/local/bin/tool", mode: 0o755), provides: [],
              stamp: "/var/lib/nodespec/artifacts/tool")))
      ])
  }

  /// One line per download task: its module, `url` (a `fail`'s `msg`), `follow_redirects` and
  /// `when`, blanks squeezed.
  static func downloadTasks(_ plan: Plan) throws -> [String] {
    let scratch = try AnsibleTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = try AnsibleTestSupport.write(AnsibleTestSupport.render(plan), in: scratch)
    let script = """
      import sys, yaml
      yaml.SafeLoader.add_constructor("!unsafe", lambda l, n: l.construct_scalar(n))
      def tasks(items):
          for t in items or []:
              yield t
              for k in ("block", "rescue", "always"):
                  yield from tasks(t.get(k))
      play = yaml.safe_load(open(sys.argv[1]))[0]
      for task in tasks(play["tasks"]):
          for module in ("ansible.builtin.get_url", "ansible.builtin.uri", "ansible.builtin.fail"):
              if module in task and task["name"].split(" ")[0] in ("Download", "Verify", "Refuse"):
                  args = task[module]
                  print(module.split(".")[-1], " ".join(args.get("url", args.get("msg", "")).split()),
                        args.get("follow_redirects", ""), " ".join(str(task.get("when", "")).split()))
      """
    let run = try AnsibleTestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, file.path])
    #expect(run.status == 0, "\(run.output)")
    return run.output.split(separator: "\n").map { String($0) }
  }

  @Test func anHTTPSDownloadWalksItsRedirectsAndRefusesAnyToAnotherScheme() throws {
    let lines = try Self.downloadTasks(
      Self.plan(
        [.amd64: "https://mirror.example/tool"], check: .sha256(String(repeating: "a", count: 64))))
    #expect(lines.count == 3, "\(lines)")
    let walk = try #require(lines.first)
    #expect(
      walk.hasPrefix(
        "uri {{ nodespec_artifact.url if nodespec_hop == 0 else nodespec_fetch.location }} none "))
    #expect(
      walk.contains("nodespec_fetch.location | default('') is match('https://', ignorecase=true)"))
    // Every source is https: no clause lets an http start follow anywhere.
    #expect(!walk.contains("is not match"))
    #expect(lines[1].hasPrefix("fail {{ 'refused the redirect of ' + nodespec_artifact.url"))
    #expect(lines[1].hasSuffix("nodespec_last.status != 200"))
    // get_url only verifies the walked file, from file://.
    #expect(lines[2].hasPrefix("get_url file://{{ nodespec_download.path }}/"))
  }

  @Test(arguments: ["http://mirror.example/tool", "file:///srv/tool"])
  func anyOtherDownloadIsOneGetURL(_ url: String) throws {
    let lines = try Self.downloadTasks(Self.plan([.amd64: url]))
    #expect(lines == ["get_url {{ nodespec_artifact.url }}  "])
  }

  /// With a source per arch, one https and one http, the walk follows the http one's
  /// redirects anywhere (as `curl --proto-redir '=http,https'` does) and holds the https one.
  @Test func aMixOfSchemesWalksAndHoldsOnlyTheHTTPSStart() throws {
    let lines = try Self.downloadTasks(
      Self.plan([.amd64: "https://mirror.example/tool", .arm64: "http://mirror.example/tool"]))
    #expect(lines.count == 2, "\(lines)")
    #expect(lines[0].hasPrefix("uri "))
    #expect(lines[0].contains("or nodespec_artifact.url is not match('https://', ignorecase=true)"))
    #expect(lines[1].contains("and nodespec_artifact.url is match('https://', ignorecase=true)"))
  }
}
