import Spec

/// Kubernetes node prerequisites (domain-facts.md section 9): the overlay and br_netfilter
/// modules, loaded now and at boot, then the bridge and forwarding sysctls, applied now and
/// at boot. The `net.bridge.*` keys exist only once br_netfilter is loaded, so the modules
/// come first. containerd's CRI config is the containerd module's.
///
/// Before them, `kubernetes.packages`: what kubeadm's preflight looks for on `PATH`
/// (`addExecChecks` in kubernetes `cmd/kubeadm/app/preflight/checks_linux.go`, v1.32+), under
/// the names kubespray v2.31.0 installs them by per distribution family
/// (`roles/system_packages/vars/main.yml`; `ethtool` from `roles/bootstrap_os/defaults`'s
/// `fedora_coreos_packages`, "required in kubeadm preflight"). Which executable each brings is
/// in docs/spec.md. `mount`, `nsenter` and `touch` (util-linux and coreutils) are part of
/// every base system these package managers run on, so they are not listed.
enum KubernetesModule: CompilerModule {
  static let packages = Packages(
    apt: ["conntrack", "ebtables", "ethtool", "iproute2", "iptables", "socat"],
    dnf: ["conntrack", "ebtables", "ethtool", "iproute", "iptables", "socat"],
    zypper: ["conntrack-tools", "ebtables", "ethtool", "iproute2", "iptables", "socat"])

  static let modules = ["overlay", "br_netfilter"]
  static let sysctls = [
    ("net.bridge.bridge-nf-call-iptables", "1"),
    ("net.bridge.bridge-nf-call-ip6tables", "1"),
    ("net.ipv4.ip_forward", "1"),
  ]

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard let kubernetes = context.spec.kubernetes else { return }
    if !context.installsContainerd {
      diagnostics.error(
        "kubernetes-needs-containerd",
        "`kubernetes` configures containerd as the CRI runtime, but the spec installs none",
        at: kubernetes.keyRange ?? kubernetes.range, path: "kubernetes",
        hint: "add `containerd:` (or `nerdctl-full:`) to `components`")
    }
    if kubernetes.installsPackages.value {
      plan.add(
        "kubernetes.packages", origin: kubernetes.installsPackages.range, .packages(packages))
    }
    guard kubernetes.prerequisites.value else { return }
    let origin = kubernetes.prerequisites.range
    let header = "# \(Paths.generatedHeader)\n"
    let modulesFile = header + modules.map { "\($0)\n" }.joinedUTF8()
    let sysctlFile = header + sysctls.map { "\($0.0) = \($0.1)\n" }.joinedUTF8()
    plan.add(
      "kubernetes.modules", origin: origin,
      .file(
        File(
          path: "/etc/modules-load.d/nodespec-kubernetes.conf",
          content: .init(modulesFile))))
    for module in modules {
      plan.add("kubernetes.module.\(module)", origin: origin, .kernelModule(.init(name: module)))
    }
    plan.add(
      "kubernetes.sysctl", origin: origin,
      .file(
        File(
          path: "/etc/sysctl.d/99-nodespec-kubernetes.conf",
          content: .init(sysctlFile))))
    for (key, value) in sysctls {
      plan.add("kubernetes.sysctl.\(key)", origin: origin, .sysctl(.init(key: key, value: value)))
    }
  }
}
