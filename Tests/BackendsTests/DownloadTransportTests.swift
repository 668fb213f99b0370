import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// An https download may redirect only to https: curl is told so, and wget, which cannot be,
/// fetches an https URL only when a pinned sha256 vouches for the bytes. The download tools
/// are stand-ins that log their arguments (no network here).
@Suite(.serialized, .enabled(if: getuid() == 0, "runs the scripts as root"))
struct DownloadTransportTests {
  let root: URL
  var base: String { root.path }

  init() throws { root = try ShellTestSupport.makeTemporaryDirectory() }

  static let content = "#!/bin/sh\necho tool\n"

  func plan(url: String, check: Artifact.Check) -> Plan {
    Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "tool", origin: nil,
          kind: .artifact(
            Artifact(
              title: "tool 1.0",
              sources: [.init(arch: .amd64, url: url, fileName: "tool", check: check)],
              install: .binary(path: "\(base)/bin/tool", mode: 0o755),
              provides: ["\(base)/bin/tool"], stamp: "\(base)/state/tool.stamp")))
      ],
      // The manifest goes into the test's folder, never the machine's /var/lib/nodespec.
      manifest: "\(base)/state/manifest")
  }

  /// A folder for PATH holding every tool of /usr/bin and /bin but the download tools, and a
  /// stand-in `tool` (curl or wget) that logs its arguments and writes `content`.
  func path(with tool: String) throws -> String {
    let bin = "\(base)/path"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    for folder in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
      for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      where !["curl", "wget"].contains(name)
        && !FileManager.default.fileExists(atPath: "\(bin)/\(name)")
      {
        try? FileManager.default.createSymbolicLink(
          atPath: "\(bin)/\(name)", withDestinationPath: "\(folder)/\(name)")
      }
    }
    let stub = """
      #!/bin/sh
      printf '%s\\n' "$*" >>'\(base)/log'
      while [ $# -gt 0 ]; do
        case $1 in -o | -O) out=$2; shift ;; esac
        shift
      done
      printf '\(Self.content.replacingOccurrences(of: "\n", with: "\\n"))' >"$out"

      """
    try Data(stub.utf8).write(to: URL(fileURLWithPath: "\(bin)/\(tool)"))
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: "\(bin)/\(tool)")
    return bin
  }

  func apply(_ plan: Plan, path: String) throws -> ShellTestSupport.Run {
    let script = try ShellTestSupport.render(plan, with: ShellBackend())
    let file = "\(base)/apply.sh"
    try Data(script.utf8).write(to: URL(fileURLWithPath: file))
    return try ShellTestSupport.run("bash", [file], environment: ["PATH": path])
  }

  func sha256() throws -> String {
    let file = "\(base)/content"
    try Data(Self.content.utf8).write(to: URL(fileURLWithPath: file))
    return String(try ShellTestSupport.run("sha256sum", [file]).stdout.prefix(64))
  }

  func log() -> String {
    FileManager.default.contents(atPath: "\(base)/log").map { String(decoding: $0, as: UTF8.self) }
      ?? ""
  }

  @Test func curlKeepsAnHTTPSDownloadOnHTTPS() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let run = try apply(
      plan(url: "https://example.com/tool", check: .sha256(try sha256())),
      path: try path(with: "curl"))
    #expect(run.status == 0, "\(run.stderr)")
    #expect(log().contains("--proto =https --proto-redir =https"), "\(log())")
  }

  @Test func curlFollowsAnHTTPDownloadOnlyToHTTPOrHTTPS() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let run = try apply(
      plan(url: "http://mirror.example/tool", check: .sha256(try sha256())),
      path: try path(with: "curl"))
    #expect(run.status == 0, "\(run.stderr)")
    #expect(log().contains("--proto-redir =http,https"), "\(log())")
  }

  @Test func wgetFetchesHTTPSOnlyWhenPinned() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let path = try path(with: "wget")
    let pinned = try apply(
      plan(url: "https://example.com/tool", check: .sha256(try sha256())), path: path)
    #expect(pinned.status == 0, "\(pinned.stderr)")
    try? FileManager.default.removeItem(atPath: "\(base)/state")
    let unverified = try apply(plan(url: "https://example.com/tool", check: .none), path: path)
    #expect(unverified.status != 0)
    #expect(unverified.stderr.contains("cannot download https://example.com/tool without curl"))
    #expect(log().split(separator: "\n").count == 1, "\(log())")
  }
}
