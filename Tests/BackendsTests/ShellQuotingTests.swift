import Foundation
import Testing

@testable import Backends

@Suite struct ShellQuotingTests {
  static let payloads =
    ShellTestPlans.injectionPayloads + [
      "", "'", "''", "\\'", "\t tab\r\n", "ünïcødé ✓", "$'x'", "!!", "#comment",
      "a\n'\n$(id)\n",
    ]

  /// bash reads every quoted word back as exactly the original value, and runs nothing.
  @Test func bashReadsBackEveryValue() throws {
    let marker = try ShellTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: marker) }
    let values = Self.payloads.map {
      $0.replacingOccurrences(of: "/tmp/pwned", with: marker.path + "/pwned")
    }
    let script = "printf '%s\\0' " + ShellQuoting.quote(values) + "\n"
    let run = try ShellTestSupport.run("bash", ["-c", script])
    #expect(run.status == 0, "\(run.stderr)")
    let echoed = run.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast()
    #expect(echoed.map(String.init) == values)
    #expect(!FileManager.default.fileExists(atPath: marker.path + "/pwned"))
  }

  @Test func quotesEveryByteLiterally() {
    #expect(ShellQuoting.quote("it's") == #"'it'\''s'"#)
    #expect(ShellQuoting.quote("$(id)") == #"''\$'(id)'"#)
    #expect(ShellQuoting.quote("") == "''")
  }

  @Test func heredocDelimiterAvoidsContentLines() {
    #expect(ShellQuoting.heredocDelimiter(for: "a\nb\n") == "NODESPEC_EOF")
    #expect(ShellQuoting.heredocDelimiter(for: "NODESPEC_EOF\n") == "NODESPEC_EOF_2")
    #expect(
      ShellQuoting.heredocDelimiter(for: "x\nNODESPEC_EOF\nNODESPEC_EOF_2\n") == "NODESPEC_EOF_3")
    // A line that only looks like the delimiter (here with a CR) does not end a heredoc.
    #expect(ShellQuoting.heredocDelimiter(for: "NODESPEC_EOF\r\n") == "NODESPEC_EOF")
  }

  @Test func commentTextStaysOnOneLine() {
    #expect(ShellQuoting.commentText("a\nb\rc") == "a b c")
  }

  /// `containsNUL` (C's `memchr` over the UTF-8) finds a NUL wherever it is, in small strings
  /// kept inline and in large ones on the heap, and nothing else.
  @Test func findsEveryNUL() {
    let bases = Self.payloads + [String(repeating: "ünïcødé ✓ 0123456789", count: 300)]
    for base in bases {
      #expect(!ShellQuoting.containsNUL(base), "\(base.debugDescription)")
      for offset in [0, base.utf8.count / 2, base.utf8.count] {
        var bytes = Array(base.utf8)
        bytes.insert(0, at: offset)
        let value = String(decoding: bytes, as: UTF8.self)
        #expect(ShellQuoting.containsNUL(value), "\(value.debugDescription) at \(offset)")
      }
    }
  }
}
