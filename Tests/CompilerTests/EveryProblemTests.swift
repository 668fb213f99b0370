import Spec
import Testing

@testable import Compiler

/// Decodes what it can of `text` and compiles that, as the command line does: every
/// diagnostic of both stages, in file order, as `id@line:column`.
private func everyProblem(_ text: String) -> [String] {
  var diagnostics = Diagnostics()
  let file = SourceFile(path: "node.yaml", text: text)
  if let spec = SpecLoader.decode(file, diagnostics: &diagnostics) {
    _ = Compiler.compile(spec, diagnostics: &diagnostics)
  }
  return diagnostics.inFileOrder().map { diagnostic in
    diagnostic.range.map { "\(diagnostic.id)@\($0.start.line):\($0.start.column)" }
      ?? "\(diagnostic.id)@-"
  }
}

/// One run reports every problem in the file, whichever stage finds it, in the order a
/// reader meets them; a value that did not decode is not reported again as missing.
@Suite struct EveryProblemTests {
  @Test func decodingErrorsHideNoCatalogErrors() {
    let text = """
      nodespec: 1
      arch: amd64
      components:
        containerd: 9.9.9
        runc: 1.2.5
        nerdctl: latest
        buildkit: 0.0.1

      """
    #expect(
      everyProblem(text) == [
        "unknown-version@4:15", "invalid-version@6:12", "unknown-version@7:13",
      ])
  }

  @Test func compilerDiagnosticsComeInFileOrder() {
    // The compiler visits runc before containerd and the registries before BuildKit; the
    // report follows the file.
    let text = """
      nodespec: 1
      arch: amd64
      components:
        containerd: 2.0.0
        runc: 1.2.2
        buildkit: {version: 0.18.1, worker: containerd}
      downloads:
        mirror: http://mirror.example.com
      registries:
        _default:
          mirrors: [https://mirror.example.com]

      """
    #expect(
      everyProblem(text) == [
        "known-bad-version@5:9", "insecure-mirror@8:11", "buildkit-no-default-registry@11:5",
      ])
  }

  @Test(arguments: [
    // A misspelt component is the one it resembles: no "needs containerd".
    ("components:\n  containrd: 2.0.0\n  runc: 1.2.5\nkubernetes: {}\n", ["unknown-key@4:3"]),
    // A version that did not decode still names the component.
    (
      "components:\n  containerd: latest\n  runc: 1.2.5\nkubernetes: {}\n",
      ["invalid-version@4:15"]
    ),
    (
      "components:\n  containerd: 2.0.0\n  runc: {version: x y}\n",
      ["invalid-version@5:19"]
    ),
    // A rootless user that did not decode is not missing.
    (
      "mode: rootless\nuser: Bad User\ncomponents:\n  nerdctl-full: 2.0.3\n",
      ["invalid-user@4:7"]
    ),
    // A mode that did not decode may have meant rootless.
    (
      "mode: rootles\nuser: builder\ncomponents:\n  nerdctl-full: 2.0.3\n",
      ["invalid-value@3:7"]
    ),
    // A `components:` that is not a mapping holds whatever the rootless checks look for.
    ("mode: rootless\nuser: builder\ncomponents: [containerd]\n", ["type-mismatch@5:13"]),
  ])
  func oneMistakeIsReportedOnce(body: String, expected: [String]) {
    #expect(everyProblem("nodespec: 1\narch: amd64\n" + body) == expected)
  }

  @Test func aMissingFormatVersionStillChecksTheRest() {
    #expect(
      everyProblem("arch: amd64\ncomponents:\n  runc: 9.9.9\n") == [
        "missing-key@1:1", "unknown-version@3:9",
      ])
  }

  @Test func sortingIsStableAndCapped() {
    var diagnostics = Diagnostics()
    let at = { (line: Int, column: Int) in
      SourceRange(at: SourceLocation(line: line, column: column))
    }
    diagnostics.warning("b", "", at: at(2, 1))
    diagnostics.error("a", "", at: at(1, 5))
    diagnostics.error("c", "", at: at(2, 1))
    diagnostics.error("first", "", at: nil)
    #expect(diagnostics.inFileOrder().map(\.id) == ["first", "a", "b", "c"])
    let capped = diagnostics.inFileOrder(limit: 2)
    #expect(capped.map(\.id) == ["first", "a", "too-many-diagnostics"])
    // As severe as the worst it leaves out.
    #expect(capped.last?.severity == .error)
    #expect(capped.last?.message.hasPrefix("2 ") == true)
  }

  @Test func theCountLineSaysWhatFailed() {
    func summary(_ severities: [Diagnostic.Severity], strict: Bool = false) -> String {
      DiagnosticRenderer.summary(
        of: severities.map { Diagnostic($0, id: "x", "", at: nil) }, strict: strict)
    }
    #expect(summary([.error, .warning, .error]) == "2 errors, 1 warning\n")
    #expect(summary([.warning, .warning]) == "2 warnings\n")
    #expect(summary([.error]) == "1 error\n")
    #expect(summary([]) == "")
    #expect(
      summary([.warning], strict: true) == "1 warning; --strict treats warnings as errors\n")
    #expect(summary([.error], strict: true) == "1 error\n")
  }
}
