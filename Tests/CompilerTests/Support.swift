import Foundation
import Spec
import Testing

@testable import Compiler

/// A range on one spec line, so a test can say which line a diagnostic must point at.
func line(_ n: Int) -> SourceRange {
  SourceRange(start: SourceLocation(line: n, column: 3), end: SourceLocation(line: n, column: 20))
}

func at<T>(_ value: T, _ n: Int) -> Located<T> { Located(value, at: line(n)) }

/// A component entry whose version sits on line `n`.
func component(
  _ key: String, _ version: String, line n: Int, sha256: [ArchValue] = [], url: [ArchValue] = [],
  completion: [Component.Shell]? = nil, worker: Component.Worker? = nil, isStatic: Bool? = nil
) -> Component {
  Component(
    key: key, version: at(version, n), sha256: sha256.map { at($0, n + 1) },
    url: url.map { at($0, n + 2) }, completion: completion.map { at($0, n + 3) },
    worker: worker.map { at($0, n + 4) }, staticBuild: isStatic.map { at($0, n + 5) },
    range: line(n))
}

/// A spec with the given parts; everything else at its default.
func spec(
  arch: ArchChoice = .fixed(.amd64), mode: Mode = .root, prefix: String = "/usr/local",
  mirror: String? = nil, verify: Spec.Downloads.Verify = .pinned,
  components: Components = Components(), registries: [Registry] = [],
  kubernetes: Kubernetes? = nil
) -> NodeSpec {
  NodeSpec(
    formatVersion: at(1, 1), name: at("test-node", 2), arch: at(arch, 3), mode: at(mode, 4),
    user: nil, prefix: at(prefix, 5),
    downloads: .init(mirror: mirror.map { at($0, 6) }, verify: at(verify, 7)),
    components: components, registries: registries, kubernetes: kubernetes, range: line(1))
}

/// The seed write-up's components: containerd 2.0.0, runc 1.2.2, CNI 1.6.1, nerdctl 2.0.2,
/// BuildKit 0.18.1, versions on lines 10, 20, 30, 40, 50.
func seedComponents() -> Components {
  Components(
    containerd: component("containerd", "2.0.0", line: 10),
    runc: component("runc", "1.2.4", line: 20),
    cni: component("cni", "1.6.1", line: 30),
    nerdctl: component("nerdctl", "2.0.2", line: 40, completion: [.bash]),
    buildkit: component("buildkit", "0.18.1", line: 50))
}

func kubernetes(
  _ driver: Kubernetes.CgroupDriver = .systemd, sandbox: String? = nil, prerequisites: Bool = true
) -> Kubernetes {
  Kubernetes(
    cgroupDriver: at(driver, 81), sandboxImage: sandbox.map { at($0, 82) },
    prerequisites: at(prerequisites, 83), range: line(80))
}

/// Compiles and returns the plan (nil on errors) with the diagnostics.
func compile(
  _ spec: NodeSpec, environment: [String: String] = [:]
) -> (plan: Plan?, diagnostics: Diagnostics) {
  var diagnostics = Diagnostics()
  let plan = Compiler.compile(spec, environment: environment, diagnostics: &diagnostics)
  return (plan, diagnostics)
}

extension Diagnostics {
  var ids: [String] { all.map(\.id) }
  func first(_ id: String) -> Diagnostic? { all.first { $0.id == id } }
}

extension Plan {
  var ids: [String] { resources.map(\.id) }

  func file(_ id: String) -> File? {
    guard case .file(let file)? = resource(id)?.kind else { return nil }
    return file
  }

  func artifact(_ id: String) -> Artifact? {
    guard case .artifact(let artifact)? = resource(id)?.kind else { return nil }
    return artifact
  }

  func text(_ id: String) -> String? { file(id)?.content.literalText }
}

enum TOMLError: Error { case invalid(String) }

/// Parses TOML with python3's tomllib (the reference parser the tests trust) and returns the
/// document as JSON objects. A `.secretFile` part stands in as `<secret:PATH>`.
func parseTOML(_ content: File.Content) throws -> [String: Any] {
  let text = content.parts.map { part -> String in
    switch part {
    case .text(let text): text
    case .secretFile(let path): "<secret:\(path)>"
    }
  }.joined()
  return try parseTOML(text)
}

func parseTOML(_ text: String) throws -> [String: Any] {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [
    "python3", "-c",
    "import sys, tomllib, json; json.dump(tomllib.loads(sys.stdin.read()), sys.stdout)",
  ]
  let input = Pipe()
  let output = Pipe()
  let errors = Pipe()
  process.standardInput = input
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  input.fileHandleForWriting.write(Data(text.utf8))
  try input.fileHandleForWriting.close()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  let message = errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  guard process.terminationStatus == 0,
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
  else {
    throw TOMLError.invalid(String(decoding: message, as: UTF8.self) + "\n" + text)
  }
  return object
}

/// `document[k1][k2]...`, nil when any step is missing.
func lookup(_ document: [String: Any], _ path: String...) -> Any? {
  var current: Any? = document
  for key in path {
    current = (current as? [String: Any])?[key]
  }
  return current
}

/// Runs `scripts/gen-catalog.py` with these arguments and returns its standard output.
func runGenerator(_ arguments: [String]) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", repositoryRoot + "/scripts/gen-catalog.py"] + arguments
  let output = Pipe()
  process.standardOutput = output
  process.standardError = Pipe()
  try process.run()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The research notes the catalog is generated from (`NODESPEC_FACTS` overrides the path).
let factsPath =
  ProcessInfo.processInfo.environment["NODESPEC_FACTS"] ?? "/work/shared/domain-facts.md"

/// A registry named on line `n`, its server on `n + 1`, fallback on `n + 2`, mirror `i` on
/// line `n + 10 + i`.
func registry(
  _ name: String, _ mirrors: [String], line n: Int = 100, server: String? = nil,
  fallback: Bool? = nil
) -> Registry {
  registry(
    name,
    mirrors: mirrors.enumerated().map {
      Mirror(url: at($1, n + 10 + $0), range: line(n + 10 + $0))
    },
    line: n, server: server, fallback: fallback)
}

func registry(
  _ name: String, mirrors: [Mirror], line n: Int = 100, server: String? = nil,
  fallback: Bool? = nil
) -> Registry {
  Registry(
    name: at(name, n), server: server.map { at($0, n + 1) },
    fallback: fallback.map { at($0, n + 2) },
    mirrors: mirrors, range: line(n))
}
