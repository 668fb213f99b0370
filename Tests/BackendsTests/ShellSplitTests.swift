import Testing

@testable import Backends

/// The script's `ns_split`, which replaced `IFS=... read -r -a NAME <<<"STRING"` (a here-string
/// is a pipe, read back a byte per system call): for one line it gives the same words, with
/// globbing off, and leaves the caller's shell options as they were.
@Suite struct ShellSplitTests {
  static let cases: [(String, String?)] = [
    ("644 root root 1234 1700000000.1 1700000000.2 42", nil),
    ("  leading and trailing blanks\t ", nil),
    ("", nil),
    ("* [a-z]* ? /etc/*", nil),
    ("file\tcontainerd\t0644\troot\troot\tabc\t12\t1.5\t1.6\t7\t/etc/a b/c*d", "\t"),
    ("a\t\tb\t", "\t"),
    ("one line\twith tab", "\n"),
  ]

  @Test(arguments: cases.indices)
  func splitsAsReadDoes(_ index: Int) throws {
    let (text, separators) = Self.cases[index]
    let ifs = separators.map { "IFS=$'\($0 == "\t" ? "\\t" : "\\n")' " } ?? ""
    let third = separators.map { $0 == "\t" ? " $'\\t'" : " $'\\n'" } ?? ""
    // The caller's options: errexit, nounset and pipefail on, globbing on.
    let script = """
      set -euo pipefail
      \(ShellBackend.Helper.split.text(tracksNotifies: false))
      scratch=$(mktemp -d)
      trap 'rm -rf "$scratch"' EXIT
      cd "$scratch" && touch abc xyz
      check() {
        local -a byRead bySplit
        \(ifs)read -r -a byRead <<<"$1"
        ns_split bySplit "$1"\(third)
        declare -p byRead | sed 's/^declare -a byRead=//'
        declare -p bySplit | sed 's/^declare -a bySplit=//'
      }
      check "$1"
      echo "options $-"
      """
    let run = try ShellTestSupport.run("bash", ["-c", script, "bash", text])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.count >= 3, "\(run.stdout)")
    #expect(lines[0] == lines[1], "read -a gives \(lines[0]), ns_split \(lines[1])")
    #expect(lines[2].contains("e") && lines[2].contains("u") && !lines[2].contains("f"))
  }
}
