import Compiler
import Spec

/// Plans built by hand for the Ansible backend's tests (the compiler is written in parallel,
/// and these pin the shapes the backend must handle, whatever the compiler emits).
enum AnsiblePlans {
  static let containerdSHA = "6f8da716941f7e89315cefaa6e5a8f1ff10b323ff46611313c455df7ab1ebee1"
  static let containerdArmSHA = "2a00b1553f38aa9e716d61316b661961c2fbfbb7aad7bd73b377be5725ecc0f1"
  static let runcSHA = "a34f5ab4fc1df1f456293c3d797a76f2d41cf3cd970bb49fc53ba94bbc8a5cf6"

  /// Every resource kind once or more, on one fixed arch.
  static var everyKind: Plan {
    Plan(
      name: "build-01", arches: [.amd64],
      resources: [
        Resource(
          id: "kubernetes.packages", origin: nil,
          kind: .packages(
            Packages(
              apt: ["conntrack", "iptables"], dnf: ["conntrack-tools", "iptables"], zypper: []))),
        Resource(
          id: "kubernetes.modules.overlay", origin: nil,
          kind: .kernelModule(KernelModule(name: "overlay"))),
        Resource(
          id: "kubernetes.modules.persist", origin: nil,
          kind: .file(
            File(
              path: "/etc/modules-load.d/nodespec.conf", content: .init("overlay\nbr_netfilter\n")))
        ),
        Resource(
          id: "kubernetes.sysctl.forward", origin: nil,
          kind: .sysctl(Sysctl(key: "net.ipv4.ip_forward", value: "1"))),
        Resource(
          id: "containerd.archive", origin: nil,
          kind: .artifact(
            Artifact(
              title: "containerd 2.0.0",
              sources: [
                .init(
                  arch: .amd64,
                  url: "https://github.com/containerd/containerd/releases/download/v2.0.0/"
                    + "containerd-2.0.0-linux-amd64.tar.gz",
                  fileName: "containerd-2.0.0-linux-amd64.tar.gz", check: .sha256(containerdSHA))
              ],
              install: .archive(directory: "/usr/local"),
              provides: ["/usr/local/bin/containerd", "/usr/local/bin/ctr"],
              stamp: "/var/lib/nodespec/artifacts/containerd.archive"))),
        Resource(
          id: "runc.binary", origin: nil,
          kind: .artifact(
            Artifact(
              title: "runc 1.2.2",
              sources: [
                .init(
                  arch: .amd64,
                  url: "https://github.com/opencontainers/runc/releases/download/v1.2.2/runc.amd64",
                  fileName: "runc.amd64",
                  check: .published(
                    checksumURL: "https://github.com/opencontainers/runc/releases/download/"
                      + "v1.2.2/runc.sha256sum"
                  ))
              ],
              install: .binary(path: "/usr/local/sbin/runc", mode: 0o755),
              provides: ["/usr/local/sbin/runc"],
              stamp: "/var/lib/nodespec/artifacts/runc.binary"))),
        Resource(
          id: "containerd.config.dir", origin: nil,
          kind: .directory(Directory(path: "/etc/containerd"))),
        Resource(
          id: "containerd.config", origin: nil,
          kind: .file(
            File(
              path: "/etc/containerd/config.toml",
              content: .init(
                "version = 3\n\n[plugins.'io.containerd.cri.v1.images']\n"
                  + "  snapshotter = \"overlayfs\"\n"))),
          notifies: ["containerd.service"]),
        Resource(
          id: "containerd.unit", origin: nil,
          kind: .file(
            File(
              path: "/usr/local/lib/systemd/system/containerd.service",
              content: .init(
                "[Unit]\nDescription=containerd\n\n[Service]\n"
                  + "ExecStart=/usr/local/bin/containerd\n\n[Install]\nWantedBy=multi-user.target\n"
              ))),
          notifies: ["containerd.service"]),
        Resource(
          id: "nerdctl.rootless.setup", origin: nil,
          kind: .command(
            Command(
              title: "install rootless containerd",
              argv: ["containerd-rootless-setuptool.sh", "install"], user: "builder",
              environment: [EnvironmentVariable(name: "CONTAINERD_NAMESPACE", value: "default")],
              guard: .creates("/home/builder/.config/systemd/user/containerd.service")))),
        Resource(
          id: "nerdctl.check", origin: nil,
          kind: .command(
            Command(
              title: "register the CNI config", argv: ["/usr/local/bin/nerdctl", "network", "ls"],
              guard: .unless(["test", "-e", "/etc/cni/net.d/nerdctl-bridge.conflist"])))),
        Resource(
          id: "containerd.service", origin: nil,
          kind: .service(
            Service(
              unit: "containerd.service",
              unitPath: "/usr/local/lib/systemd/system/containerd.service",
              wantedBy: "multi-user.target"))),
        Resource(
          id: "buildkit.service", origin: nil,
          kind: .service(
            Service(
              unit: "buildkit.service",
              unitPath: "/home/builder/.config/systemd/user/buildkit.service",
              wantedBy: "default.target", scope: .user("builder")))),
      ])
  }

  /// Two arches, decided on the node from `ansible_facts['architecture']`.
  static var archDetection: Plan {
    Plan(
      name: "fleet", arches: [.amd64, .arm64],
      resources: [
        Resource(
          id: "containerd.archive", origin: nil,
          kind: .artifact(
            Artifact(
              title: "containerd 2.0.0",
              sources: [Arch.amd64, .arm64].map { arch in
                .init(
                  arch: arch,
                  url: "https://github.com/containerd/containerd/releases/download/v2.0.0/"
                    + "containerd-2.0.0-linux-\(arch.rawValue).tar.gz",
                  fileName: "containerd-2.0.0-linux-\(arch.rawValue).tar.gz",
                  check: .sha256(arch == .amd64 ? containerdSHA : containerdArmSHA))
              },
              install: .archive(directory: "/usr/local"),
              provides: ["/usr/local/bin/containerd"],
              stamp: "/var/lib/nodespec/artifacts/containerd.archive"))),
        Resource(
          id: "nerdctl.archive", origin: nil,
          kind: .artifact(
            Artifact(
              title: "nerdctl 2.0.2",
              sources: [Arch.amd64, .arm64].map { arch in
                .init(
                  arch: arch,
                  url: "https://github.com/containerd/nerdctl/releases/download/v2.0.2/"
                    + "nerdctl-2.0.2-linux-\(arch.rawValue).tar.gz",
                  fileName: "nerdctl-2.0.2-linux-\(arch.rawValue).tar.gz", check: .none)
              },
              install: .archive(directory: "/usr/local/bin"),
              provides: [],
              stamp: "/var/lib/nodespec/artifacts/nerdctl.archive"))),
      ])
  }

  /// A mirror credential read on the node, and a secret written literally.
  static var secrets: Plan {
    Plan(
      name: "secrets", arches: [.amd64],
      resources: [
        Resource(
          id: "registry.mirror.hosts", origin: nil,
          kind: .file(
            File(
              path: "/etc/containerd/certs.d/docker.io/hosts.toml",
              content: .init([
                .text(
                  "server = \"https://registry-1.docker.io\"\n\n"
                    + "[host.\"https://mirror.internal:5000\"]\n"
                    + "  capabilities = [\"pull\", \"resolve\"]\n"
                    + "  [host.\"https://mirror.internal:5000\".header]\n"
                    + "    Authorization = \"Basic "),
                .secretFile(path: "/etc/nodespec/secrets/mirror-token"),
                .text("\"\n"),
              ]),
              mode: 0o640))),
        Resource(
          id: "registry.env", origin: nil,
          kind: .file(
            File(
              path: "/etc/nodespec/mirror.env", content: .init("TOKEN=s3cr3t\n", isSecret: true),
              mode: 0o600))),
      ])
  }

  /// Strings that would run code or break quoting if the backend let them through.
  static let hostile = [
    "{{ lookup('pipe','id') }}", "{% raw %}x{% endraw %}", "{# comment #}", "it's \"quoted\"",
    "$(touch /tmp/pwned) `id`", "line one\nline two\n\n", "  leading spaces", "trailing  \n",
    "yes", "0755", "- dash", "# hash", "tab\there", "ünïcödé ✓", "",
    "key:\n- item\n  - nested\n", "ends like a block header |", "ends like one |-\n",
    "  indented first line\nthen not\n", "carriage\r\nreturn\r\n",
  ]

  /// Hostile strings in every place a Plan string can reach, files under `root`.
  static func hostilePlan(root: String) -> Plan {
    var resources = [
      Resource(
        id: "hostile.dir", origin: nil,
        kind: .directory(Directory(path: "\(root)/{{ dir }}", mode: 0o750)))
    ]
    for (index, text) in hostile.enumerated() {
      resources.append(
        Resource(
          id: "hostile.file.\(index)", origin: nil,
          kind: .file(
            File(
              path: "\(root)/{{ dir }}/file-\(index)", content: .init(text), mode: 0o600))))
    }
    resources.append(
      Resource(
        id: "hostile.name", origin: nil,
        kind: .file(
          File(
            path: "\(root)/{% if true %}name{% endif %}", content: .init(hostile.joined())))))
    resources.append(
      Resource(
        id: "hostile.command", origin: nil,
        kind: .command(
          Command(
            title: "{{ lookup('pipe','id') }} command",
            argv: ["/bin/sh", "-c", "printf '%s' \"$NODESPEC_VALUE\" > '\(root)/from-command'"],
            environment: [EnvironmentVariable(name: "NODESPEC_VALUE", value: hostile[0])],
            guard: .creates("\(root)/from-command")))))
    return Plan(name: "{{ lookup('pipe','id') }}", arches: [.amd64], resources: resources)
  }

  /// Files, folders and commands only, all under `root`: safe to apply on the test machine.
  static func local(root: String) -> Plan {
    Plan(
      name: "local", arches: [.amd64],
      resources: [
        Resource(
          id: "dir", origin: nil,
          kind: .directory(Directory(path: "\(root)/etc/nodespec", mode: 0o750))),
        Resource(
          id: "config", origin: nil,
          kind: .file(
            File(
              path: "\(root)/etc/nodespec/config.toml", content: .init("a = 1\nb = \"two\"\n")))),
        Resource(
          id: "no-newline", origin: nil,
          kind: .file(
            File(
              path: "\(root)/deep/er/no-newline", content: .init("no newline at the end"),
              mode: 0o600))),
        Resource(
          id: "secret", origin: nil,
          kind: .file(
            File(
              path: "\(root)/etc/nodespec/hosts.toml",
              content: .init([
                .text("token = \""), .secretFile(path: "\(root)/token"), .text("\"\n"),
              ]),
              mode: 0o640))),
        Resource(
          id: "marker", origin: nil,
          kind: .command(
            Command(
              title: "write a marker", argv: ["touch", "\(root)/marker"],
              guard: .creates("\(root)/marker")))),
        Resource(
          id: "unless", origin: nil,
          kind: .command(
            Command(
              title: "append once", argv: ["/bin/sh", "-c", "echo once >> '\(root)/once'"],
              guard: .unless(["test", "-e", "\(root)/once"])))),
      ])
  }
}

extension AnsiblePlans {
  /// A binary and an archive from `file://` URLs under `root/src`, installed under `root`.
  /// `toolSHA` pins the binary; the archive is checked against `root/src/SHA256SUMS`.
  static func localArtifacts(
    root: String, toolSHA: String, toolCheck: Artifact.Check? = nil
  ) -> Plan {
    Plan(
      name: "artifacts", arches: [.amd64],
      resources: [
        Resource(
          id: "bin", origin: nil,
          kind: .directory(Directory(path: "\(root)/usr/bin"))),
        Resource(
          id: "tool", origin: nil,
          kind: .artifact(
            Artifact(
              title: "tool 1.0",
              sources: [
                .init(
                  arch: .amd64, url: "file://\(root)/src/tool", fileName: "tool",
                  check: toolCheck ?? .sha256(toolSHA))
              ],
              install: .binary(path: "\(root)/usr/bin/tool", mode: 0o755),
              provides: ["\(root)/usr/bin/tool"],
              stamp: "\(root)/var/lib/nodespec/artifacts/tool"))),
        Resource(
          id: "bundle", origin: nil,
          kind: .artifact(
            Artifact(
              title: "bundle 2.0",
              sources: [
                .init(
                  arch: .amd64, url: "file://\(root)/src/bundle.tar.gz",
                  fileName: "bundle.tar.gz",
                  check: .published(checksumURL: "file://\(root)/src/SHA256SUMS"))
              ],
              install: .archive(directory: "\(root)/opt/bundle"),
              provides: ["\(root)/opt/bundle/bin/bundled"],
              stamp: "\(root)/var/lib/nodespec/artifacts/bundle"))),
      ])
  }
}
