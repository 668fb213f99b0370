import Spec

/// The CNI reference plugins, extracted into `/opt/cni/bin` (containerd's default `bin_dir`).
enum CNIModule: CompilerModule {
  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let cni = context.spec.components.cni else { return }
    let bin = context.paths.cniBin
    guard
      let artifact = Downloads.artifact(
        id: "cni.archive", component: cni, release: .cni, install: .archive(directory: bin),
        // Plugins every 1.x release has; the tarball is flat (`./bridge`, ...).
        provides: ["bridge", "host-local", "loopback"].map { "\(bin)/\($0)" },
        context: context, diagnostics: &diagnostics)
    else { return }
    plan.add("cni.archive", origin: cni.range, artifact)
  }
}
