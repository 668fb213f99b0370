import Backends
import Compiler
import Spec

/// libFuzzer entry point: any bytes as a spec, through the whole pipeline and every backend.
/// A crash, a hang (libFuzzer's -timeout) or a leak is a finding; diagnostics are not.
///
/// Build and run (see docs/testing.md):
///   NODESPEC_FUZZ=1 swift build -c release --product nodespec-fuzz -Xswiftc -sanitize=fuzzer \
///     --scratch-path .build-fuzz
///   .build-fuzz/release/nodespec-fuzz fuzz/corpus examples -max_total_time=600
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let file = SourceFile(path: "fuzz.yaml", bytes: bytes)
  var diagnostics = Diagnostics()
  // As the command line does: the compiler runs on whatever decoded, errors or not.
  guard let spec = SpecLoader.decode(file, diagnostics: &diagnostics) else {
    checkReported(diagnostics, file)
    return 0
  }
  let plan = Compiler.compile(
    spec, environment: ["NODESPEC_FUZZ_TOKEN": "secret"], diagnostics: &diagnostics)
  guard let plan, !diagnostics.hasErrors else {
    checkReported(diagnostics, file)
    return 0
  }
  for target in Target.allCases {
    var backendDiagnostics = Diagnostics()
    let first = target.backend.render(plan, diagnostics: &backendDiagnostics)
    let second = target.backend.render(plan, diagnostics: &backendDiagnostics)
    // Determinism is an invariant: the same plan must render to the same bytes.
    if first != second { fatalError("\(target.rawValue) output is not deterministic") }
  }
  return 0
}

/// A rejected spec must say why, and its diagnostics must render.
private func checkReported(_ diagnostics: Diagnostics, _ file: SourceFile) {
  if !diagnostics.hasErrors { fatalError("rejected without an error diagnostic") }
  _ = DiagnosticRenderer(color: false).render(diagnostics.all, in: file)
}

/// libFuzzer's driver, for an executable whose `main` SwiftPM names itself.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links an executable target's entry point as `<Module>_main`; hand control to
/// libFuzzer from there.
@_cdecl("NodespecFuzz_main")
public func fuzzMain(
  _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  var count = argc
  var arguments = argv
  return runDriver(&count, &arguments) { fuzz($0, $1) }
}
