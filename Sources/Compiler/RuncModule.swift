import Spec

/// runc: the release's static binary, installed as `<prefix>/sbin/runc` (0755).
///
/// containerd runs runc per container through its shim, so a new runc needs no restart.
enum RuncModule: CompilerModule {
  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let runc = context.spec.components.runc else { return }
    KnownIssues.check(runc, diagnostics: &diagnostics)
    let path = "\(context.paths.sbin)/runc"
    guard
      let artifact = Downloads.artifact(
        id: "runc.binary", component: runc, release: .runc,
        install: .binary(path: path, mode: 0o755), provides: [path], context: context,
        diagnostics: &diagnostics)
    else { return }
    plan.add("runc.binary", origin: runc.range, artifact)
  }
}
