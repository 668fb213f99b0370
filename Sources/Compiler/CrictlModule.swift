import Spec

/// cri-tools' crictl: the release tarball (one `crictl` binary) into `<prefix>/bin`, and
/// `/etc/crictl.yaml` pointing it at containerd's CRI socket, as kubespray's crictl role does
/// (`roles/container-engine/crictl`). crictl reads its file on every run: nothing restarts.
enum CrictlModule: CompilerModule {
  static let configPath = "/etc/crictl.yaml"
  /// containerd's default gRPC address (`defaults.DefaultAddress`), where its CRI plugin
  /// listens; config.toml's `state` does not move it.
  static let socket = "unix:///run/containerd/containerd.sock"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let crictl = context.spec.components.crictl else { return }
    if context.rootless != nil {
      diagnostics.error(
        "rootless-crictl",
        "crictl is the client of containerd's CRI plugin for the kubelet, which rootless mode "
          + "does not set up",
        at: crictl.range, path: "components.crictl",
        hint: "remove `crictl`; use nerdctl for the user's containers")
      return
    }
    if !context.installsContainerd {
      diagnostics.warning(
        "crictl-without-containerd", "crictl talks to containerd, which the spec does not install",
        at: crictl.range, path: "components.crictl",
        hint: "add `containerd:` to `components`, or use nerdctl-full")
    }
    let paths = context.paths
    if let artifact = Downloads.artifact(
      id: "crictl.archive", component: crictl, release: .crictl,
      install: .archive(directory: paths.bin), provides: ["\(paths.bin)/crictl"],
      context: context, diagnostics: &diagnostics)
    {
      plan.add("crictl.archive", origin: crictl.range, artifact)
    }
    let text = """
      # \(Paths.generatedHeader)
      runtime-endpoint: \(socket)
      image-endpoint: \(socket)

      """
    plan.add(
      "crictl.config", origin: crictl.range,
      .file(File(path: configPath, content: .init(text))))
  }
}
