import Spec

/// `proxy:`: a systemd drop-in `nodespec-proxy.conf` for containerd's and BuildKit's units
/// that sets the proxy variables (upper- and lower-case: Go's `httpproxy` reads either, curl
/// only the lower-case `http_proxy`), and the same variables for the output's own downloads
/// (`Plan.downloadEnvironment`). A changed drop-in restarts its service, after systemd
/// re-reads its units (every backend reloads before restarting when a file changed).
///
/// Root mode: `/etc/systemd/system/<unit>.d/`, which systemd reads whichever folder holds the
/// unit. Rootless mode: the user's `~/.config/systemd/user/<unit>.d/`, owned by the user.
enum ProxyModule: CompilerModule {
  static let dropInName = "nodespec-proxy.conf"

  /// What kubelet's pods and the node itself reach directly on a usual cluster: a proxy
  /// that sees them breaks service names and the node's own API calls.
  static let kubernetesNoProxy = ["localhost", "127.0.0.1", ".svc", ".cluster.local"]

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let proxy = context.spec.proxy else { return }
    checkKubernetes(proxy, context: context, diagnostics: &diagnostics)
    let variables = environment(proxy)
    plan.downloadEnvironment = variables
    var units: [(unit: String, origin: SourceRange)] = []
    let components = context.spec.components
    if let runtime = components.containerd ?? components.nerdctlFull {
      units.append((ContainerdModule.service, runtime.range))
    }
    if let buildkit = components.buildkit ?? components.nerdctlFull {
      let worker = BuildKitModule.usesContainerdWorker(buildkit, context: context)
      units.append((context.buildkitService(containerdWorker: worker), buildkit.range))
    }
    let folder = context.rootless?.userUnits ?? "/etc/systemd/system"
    for (unit, _) in units {
      plan.add(
        "proxy.\(unit)", origin: proxy.range,
        .file(
          File(
            path: "\(folder)/\(unit).d/\(dropInName)", content: .init(dropIn(variables)),
            owner: context.paths.configOwner)),
        notifies: [unit])
    }
  }

  /// The variables, each name upper- and lower-case, in a fixed order.
  static func environment(_ proxy: Proxy) -> [EnvironmentVariable] {
    var out: [EnvironmentVariable] = []
    let values: [(String, String?)] = [
      ("HTTP_PROXY", proxy.http?.value), ("HTTPS_PROXY", proxy.https?.value),
      (
        "NO_PROXY",
        proxy.noProxy.isEmpty ? nil : proxy.noProxy.map(\.value).joinedUTF8(separator: ",")
      ),
    ]
    for case (let name, let value?) in values {
      out.append(EnvironmentVariable(name: name, value: value))
      out.append(EnvironmentVariable(name: name.lowercased(), value: value))
    }
    return out
  }

  /// `[Service]` with one `Environment=` per variable. Each assignment is double-quoted,
  /// with `\` and `"` escaped as systemd's unquoting reads them and `%` doubled (a
  /// specifier otherwise): the grammar of proxy URLs and no_proxy entries admits none of the
  /// first two, but the drop-in must not depend on that.
  static func dropIn(_ variables: [EnvironmentVariable]) -> String {
    var lines = ["# \(Paths.generatedHeader)", "[Service]"]
    for variable in variables {
      lines.append("Environment=\(quoted("\(variable.name)=\(variable.value)"))")
    }
    return lines.joinedUTF8(separator: "\n") + "\n"
  }

  static func quoted(_ assignment: String) -> String {
    var out = "\""
    for character in assignment {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "%": out += "%%"
      default: out.append(character)
      }
    }
    return out + "\""
  }

  /// A Kubernetes node whose `no_proxy` misses the cluster's usual names would send service
  /// and local traffic to the proxy.
  private static func checkKubernetes(
    _ proxy: Proxy, context: CompileContext, diagnostics: inout Diagnostics
  ) {
    guard context.spec.kubernetes != nil else { return }
    let given = Set(proxy.noProxy.map { $0.value.lowercased() })
    let missing = kubernetesNoProxy.filter { !given.contains($0) }
    guard !missing.isEmpty else { return }
    let range =
      proxy.noProxy.first.map { first in
        SourceRange(start: first.range.start, end: proxy.noProxy.last?.range.end ?? first.range.end)
      } ?? proxy.range
    diagnostics.warning(
      "no-proxy-kubernetes",
      "`no_proxy` lacks \(missing.map { "`\($0)`" }.joinedUTF8(separator: ", ")), which a "
        + "Kubernetes node reaches directly",
      at: range, path: "proxy.no_proxy",
      hint: "add them, and the cluster's pod and service CIDRs (e.g. 10.96.0.0/12)")
  }
}
