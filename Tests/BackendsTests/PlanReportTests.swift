import Compiler
import Spec
import Testing

@testable import Backends

/// The JSON writer behind `nodespec plan --format json`: Python's `json.dumps(indent=2,
/// sort_keys=True, ensure_ascii=False)` byte for byte (IntegrationTests/fleet.sh checks
/// whole plans against Python itself).
@Suite struct PlanReportTests {
  @Test func keysSortedByCodePointAndStringsEscapedAsPythonDoes() {
    let value = JSONValue.object([
      "é": .null, "b": .array([.bool(true), .int(-3), .array([]), .object([:])]),
      "a": .string("q\"b\\n\n t\t\u{1}\u{7F}é"),
    ])
    #expect(
      value.text == """
        {
          "a": "q\\"b\\\\n\\n t\\t\\u0001\u{7F}é",
          "b": [
            true,
            -3,
            [],
            {}
          ],
          "é": null
        }

        """)
  }

  @Test func aSecretFileShowsNoContent() {
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "f", origin: nil,
          kind: .file(File(path: "/etc/x", content: .init("token", isSecret: true), mode: 0o600)))
      ])
    guard case .object(let top) = PlanReport.json(plan),
      case .object(let resources)? = top["resources"], case .object(let file)? = resources["f"]
    else {
      Issue.record("not an object")
      return
    }
    #expect(
      file["content"] == .null && file["secret"] == .bool(true) && file["mode"] == .string("0600"))
    #expect(!PlanReport.text(plan).contains("token"))
  }
}
