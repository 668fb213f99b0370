import Spec

/// nerdctl: the release tarball (flat: `nerdctl` and the rootless scripts) into
/// `<prefix>/bin`, `/etc/nerdctl/nerdctl.toml` pointing at the hosts.toml folders, and shell
/// completion files.
enum NerdctlModule: CompilerModule {
  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let nerdctl = context.spec.components.nerdctl else { return }
    let paths = context.paths
    KnownIssues.check(nerdctl, diagnostics: &diagnostics)
    checkContainerd(for: nerdctl, context: context, diagnostics: &diagnostics)
    if !context.installsContainerd {
      diagnostics.warning(
        "nerdctl-without-containerd", "nerdctl drives containerd, which the spec does not install",
        at: nerdctl.range, path: "components.nerdctl",
        hint: "add `containerd:` to `components`, or use nerdctl-full")
    }
    let provides = ["nerdctl", "containerd-rootless-setuptool.sh", "containerd-rootless.sh"]
    if let artifact = Downloads.artifact(
      id: "nerdctl.archive", component: nerdctl, release: .nerdctl,
      install: .archive(directory: paths.bin), provides: provides.map { "\(paths.bin)/\($0)" },
      context: context, diagnostics: &diagnostics)
    {
      plan.add("nerdctl.archive", origin: nerdctl.range, artifact)
    }
    addConfigAndCompletion(for: nerdctl, context: context, into: &plan)
  }

  /// The namespace the kubelet's containers and images live in (containerd's CRI plugin,
  /// `k8s.io`): nerdctl on a Kubernetes node uses it, so that it sees them.
  static let kubernetesNamespace = "k8s.io"

  /// The containerd namespace nerdctl.toml names: `namespace:` as the spec says, else
  /// `k8s.io` on a Kubernetes node; nil leaves nerdctl's own default (`default`).
  static func namespace(for component: Component, context: CompileContext) -> String? {
    component.namespace?.value
      ?? (context.spec.kubernetes != nil ? kubernetesNamespace : nil)
  }

  /// `nerdctl.toml` and one completion file per requested shell (also for nerdctl-full).
  static func addConfigAndCompletion(
    for component: Component, context: CompileContext, into plan: inout PlanBuilder
  ) {
    var toml = TOMLWriter()
    if let namespace = namespace(for: component, context: context) {
      toml.set("namespace", .string(namespace))
    }
    toml.set("hosts_dir", .array([.string(context.paths.certsDirectory)]))
    plan.add(
      "nerdctl.config", origin: component.range,
      .file(
        File(
          path: context.paths.nerdctlConfig, content: toml.content,
          owner: context.paths.configOwner)))

    let nerdctl = "\(context.paths.bin)/nerdctl"
    for shell in component.completion?.value ?? [] {
      let file = completionPath(shell)
      // Positional parameters carry the paths, so no spec value is ever parsed by the shell.
      // Written to a temporary file first: a failed run leaves no half file behind the guard.
      let script =
        "mkdir -p \"${2%/*}\" && \"$1\" completion \(shell.rawValue) > \"$2.tmp\""
        + " && mv \"$2.tmp\" \"$2\""
      // Skipped only while the file holds what this nerdctl prints: an upgraded nerdctl
      // rewrites its completion, an unchanged one leaves the file alone.
      let current =
        "\"$1\" completion \(shell.rawValue) 2>/dev/null | cmp -s - \"$2\""
      plan.add(
        "nerdctl.completion.\(shell.rawValue)", origin: component.completion?.range,
        .command(
          Command(
            title: "install nerdctl \(shell.rawValue) completion",
            argv: ["/bin/sh", "-c", script, "sh", nerdctl, file],
            guard: .unless(["/bin/sh", "-c", current, "sh", nerdctl, file]))))
    }
  }

  /// Where each shell finds completions without touching anyone's profile. zsh: Debian's
  /// and Ubuntu's `vendor-completions` folder (on the default fpath there; other distros use
  /// `site-functions`).
  static func completionPath(_ shell: Component.Shell) -> String {
    switch shell {
    case .bash: "/usr/share/bash-completion/completions/nerdctl"
    case .zsh: "/usr/share/zsh/vendor-completions/_nerdctl"
    case .fish: "/usr/share/fish/vendor_completions.d/nerdctl.fish"
    }
  }

  /// The containerd lines each nerdctl line supports, from nerdctl's release notes
  /// ("Compatible containerd versions"; domain-facts.md section 10). `maximum` nil: any later.
  static func supportedContainerd(
    nerdctl: SemanticVersion
  ) -> (minimum: (Int, Int), maximum: (Int, Int)?)? {
    switch nerdctl.line {
    case (1, 7): ((1, 6), (1, 7))
    case (2, 0): ((1, 6), (2, 0))
    case (2, 1): ((1, 6), (2, 1))
    case (2, 2): ((1, 7), (2, 2))
    case (2, 3): ((1, 7), (2, 3))
    case (2, _), (3...Int.max, _): ((1, 7), nil)
    default: nil
    }
  }

  /// An error when containerd is older than nerdctl supports; a warning when it is newer
  /// than the nerdctl release was tested with.
  static func checkContainerd(
    for nerdctl: Component, context: CompileContext, diagnostics: inout Diagnostics
  ) {
    guard
      let containerd = context.spec.components.containerd,
      let n = SemanticVersion(nerdctl.version.value),
      let c = SemanticVersion(containerd.version.value),
      let supported = supportedContainerd(nerdctl: n)
    else { return }
    let note = Diagnostic.Note("containerd version set here", at: containerd.version.range)
    let (minimum, maximum) = supported
    if c.line < minimum {
      diagnostics.error(
        "nerdctl-containerd-too-old",
        "nerdctl \(n) needs containerd \(minimum.0).\(minimum.1) or later, not \(c)",
        at: nerdctl.version.range, path: "components.nerdctl.version", notes: [note])
    } else if let maximum, c.line > maximum {
      diagnostics.warning(
        "nerdctl-containerd-untested",
        "nerdctl \(n) supports containerd up to \(maximum.0).\(maximum.1), not \(c)",
        at: nerdctl.version.range, path: "components.nerdctl.version", notes: [note],
        hint: "use a nerdctl release made for containerd \(c.major).\(c.minor)")
    }
  }
}
