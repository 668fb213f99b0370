import Compiler
import Spec

/// Plans written by hand for the shell and cloud-init backend tests: the compiler is written
/// in parallel, and hand-made plans pin down exactly which kinds each test covers.
enum ShellTestPlans {
  static let containerdSHA = String(repeating: "a1", count: 32)
  static let containerdArmSHA = String(repeating: "b2", count: 32)
  static let runcSHA = String(repeating: "c3", count: 32)

  /// One resource of every kind, for one fixed arch.
  static let everyKind = Plan(
    name: "build-01",
    arches: [.amd64],
    resources: [
      Resource(
        id: "base.packages", origin: nil,
        kind: .packages(
          Packages(apt: ["uidmap", "dbus-user-session"], dnf: ["shadow-utils"], zypper: []))),
      Resource(
        id: "kubernetes.overlay", origin: nil, kind: .kernelModule(KernelModule(name: "overlay"))),
      Resource(
        id: "kubernetes.forwarding", origin: nil,
        kind: .sysctl(Sysctl(key: "net.ipv4.ip_forward", value: "1"))),
      Resource(
        id: "containerd.config-dir", origin: nil,
        kind: .directory(Directory(path: "/etc/containerd", mode: 0o755))),
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
            stamp: "/var/lib/nodespec/artifacts/containerd.archive")),
        notifies: ["containerd.service"]),
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
                  checksumURL:
                    "https://github.com/opencontainers/runc/releases/download/v1.2.2/runc.sha256sum"
                ))
            ],
            install: .binary(path: "/usr/local/sbin/runc", mode: 0o755),
            provides: ["/usr/local/sbin/runc"],
            stamp: "/var/lib/nodespec/artifacts/runc.binary"))),
      Resource(
        id: "containerd.config", origin: nil,
        kind: .file(
          File(
            path: "/etc/containerd/config.toml",
            content: .init("version = 3\n\n[plugins.'io.containerd.cri.v1.runtime']\n"))),
        notifies: ["containerd.service"]),
      Resource(
        id: "containerd.unit", origin: nil,
        kind: .file(
          File(
            path: "/usr/local/lib/systemd/system/containerd.service",
            content: .init(
              """
              [Unit]
              Description=containerd

              [Service]
              ExecStart=/usr/local/bin/containerd

              [Install]
              WantedBy=multi-user.target

              """))),
        notifies: ["containerd.service"]),
      Resource(
        id: "rootless.linger", origin: nil,
        kind: .command(
          Command(
            title: "enable linger for builder", argv: ["loginctl", "enable-linger", "builder"],
            guard: .creates("/var/lib/systemd/linger/builder")))),
      Resource(
        id: "rootless.setup", origin: nil,
        kind: .command(
          Command(
            title: "install rootless containerd",
            argv: ["containerd-rootless-setuptool.sh", "install"], user: "builder",
            environment: [.init(name: "CONTAINERD_ROOTLESS_ROOTLESSKIT_NET", value: "slirp4netns")],
            guard: .unless(["systemctl", "--user", "is-enabled", "containerd.service"])))),
      Resource(
        id: "containerd.service", origin: nil,
        kind: .service(
          Service(
            unit: "containerd.service",
            unitPath: "/usr/local/lib/systemd/system/containerd.service",
            wantedBy: "multi-user.target"))),
    ])

  /// Artifacts for two arches, decided on the node.
  static let detectedArch = Plan(
    name: "fleet-arm-and-x86",
    arches: [.amd64, .arm64],
    resources: [
      Resource(
        id: "containerd.archive", origin: nil,
        kind: .artifact(
          Artifact(
            title: "containerd 2.0.0",
            sources: [
              .init(
                arch: .amd64,
                url: "https://mirror.example.com/containerd-2.0.0-linux-amd64.tar.gz",
                fileName: "containerd-2.0.0-linux-amd64.tar.gz", check: .sha256(containerdSHA)),
              .init(
                arch: .arm64,
                url: "https://mirror.example.com/containerd-2.0.0-linux-arm64.tar.gz",
                fileName: "containerd-2.0.0-linux-arm64.tar.gz", check: .sha256(containerdArmSHA)),
            ],
            install: .archive(directory: "/usr/local"),
            provides: ["/usr/local/bin/containerd"],
            stamp: "/var/lib/nodespec/artifacts/containerd.archive"))),
      Resource(
        id: "nerdctl.binary", origin: nil,
        kind: .artifact(
          Artifact(
            title: "nerdctl (unverified)",
            sources: [
              .init(
                arch: .amd64, url: "https://example.com/nerdctl-amd64", fileName: "nerdctl-amd64",
                check: .none),
              .init(
                arch: .arm64, url: "https://example.com/nerdctl-arm64", fileName: "nerdctl-arm64",
                check: .none),
            ],
            install: .binary(path: "/usr/local/bin/nerdctl", mode: 0o755),
            provides: ["/usr/local/bin/nerdctl"],
            stamp: "/var/lib/nodespec/artifacts/nerdctl.binary"))),
    ])

  /// A hosts.toml whose Authorization header is read from a node file at install time.
  static let secretFile = Plan(
    name: "secret-mirror",
    arches: [.amd64],
    resources: [
      Resource(
        id: "registry.docker.io.hosts", origin: nil,
        kind: .file(
          File(
            path: "/etc/containerd/certs.d/docker.io/hosts.toml",
            content: .init([
              .text(
                """
                [host."https://mirror.internal:5000"]
                  capabilities = ["pull"]
                  [host."https://mirror.internal:5000".header]
                    Authorization = "
                """),
              .secretFile(path: "/etc/nodespec/secrets/mirror-token"),
              .text("\"\n"),
            ]),
            mode: 0o600)))
    ])

  /// Every string a spec could smuggle shell or template syntax through.
  static let injectionPayloads = [
    "it's", "say \"hi\"", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "${HOME}", "{{ x }}",
    "a\\b", "semi; rm -rf /", "line1\nline2", "'\u{301}", "NODESPEC_EOF", "-rf", "*",
  ]

  /// Hostile values in every position a spec can reach.
  static let injection: Plan = {
    let payload = injectionPayloads.filter { !$0.contains("\n") }.joined(separator: " ")
    let content = injectionPayloads.joined(separator: "\n") + "\nNODESPEC_EOF\n'tail"
    return Plan(
      name: "evil $(touch /tmp/pwned)\n; echo owned",
      arches: [.amd64, .arm64],
      resources: [
        Resource(
          id: "evil.dir", origin: nil,
          kind: .directory(Directory(path: "/tmp/nodespec it's $(touch /tmp/pwned)"))),
        Resource(
          id: "evil.file", origin: nil,
          kind: .file(
            File(path: "/tmp/nodespec `touch /tmp/pwned` {{ x }}", content: .init(content))),
          notifies: ["evil'svc"]),
        Resource(
          id: "evil.artifact", origin: nil,
          kind: .artifact(
            Artifact(
              title: payload,
              sources: Arch.allCases.prefix(2).map {
                .init(
                  arch: $0, url: "https://example.com/$(touch /tmp/pwned)'\"", fileName: payload,
                  check: .published(checksumURL: "https://example.com/`id`"))
              },
              install: .binary(path: "/tmp/nodespec $(id)", mode: 0o755),
              provides: ["/tmp/nodespec ${HOME}"], stamp: "/tmp/nodespec 'stamp'"))),
        Resource(
          id: "evil.command", origin: nil,
          kind: .command(
            Command(
              title: payload, argv: ["printf", "%s", payload], user: "nobody'; id; '",
              environment: [.init(name: "NS_X", value: "$(touch /tmp/pwned)")],
              guard: .unless(["test", "-e", payload])))),
        Resource(id: "evil.sysctl", origin: nil, kind: .sysctl(Sysctl(key: "a.b", value: payload))),
        Resource(
          id: "evil'svc", origin: nil,
          kind: .service(
            Service(
              unit: "evil$(id).service", unitPath: "/etc/systemd/system/`id`.service",
              wantedBy: "multi-user.target", scope: .user("nobody'")))),
      ])
  }()
}
