/// The systemd unit files nodespec writes, from the upstream texts (domain-facts.md sections
/// 4 and 8) with the binary paths moved under `prefix`. Each opens with the generated-by
/// comment, which systemd ignores.
enum SystemdUnits {
  /// containerd's own `containerd.service` (verified at v2.0.0), `ExecStart` under `bin`.
  static func containerd(bin: String) -> String {
    """
    # \(Paths.generatedHeader)
    [Unit]
    Description=containerd container runtime
    Documentation=https://containerd.io
    After=network.target local-fs.target dbus.service

    [Service]
    ExecStartPre=-/sbin/modprobe overlay
    ExecStart=\(bin)/containerd

    Type=notify
    Delegate=yes
    KillMode=process
    Restart=always
    RestartSec=5

    LimitNPROC=infinity
    LimitCORE=infinity

    TasksMax=infinity
    OOMScoreAdjust=-999

    [Install]
    WantedBy=multi-user.target

    """
  }

  /// BuildKit's example `buildkit.socket` (`%t` is `/run` for system units, so the socket is
  /// buildctl's default `/run/buildkit/buildkitd.sock`).
  static let buildkitSocket = """
    # \(Paths.generatedHeader)
    [Unit]
    Description=BuildKit
    Documentation=https://github.com/moby/buildkit

    [Socket]
    ListenStream=%t/buildkit/buildkitd.sock
    SocketMode=0660

    [Install]
    WantedBy=sockets.target

    """

  /// BuildKit's example `buildkit.service` with the worker chosen by flags. With the
  /// containerd worker it also orders itself after containerd, whose socket the worker needs
  /// at start (an addition to the upstream example).
  static func buildkit(bin: String, containerdWorker: Bool) -> String {
    let flags =
      containerdWorker
      ? "--oci-worker=false --containerd-worker=true"
      : "--oci-worker=true --containerd-worker=false"
    let after = "After=buildkit.socket" + (containerdWorker ? " containerd.service" : "")
    return """
      # \(Paths.generatedHeader)
      [Unit]
      Description=BuildKit
      Requires=buildkit.socket
      \(after)
      Documentation=https://github.com/moby/buildkit

      [Service]
      Type=notify
      ExecStart=\(bin)/buildkitd --addr fd:// \(flags)

      [Install]
      WantedBy=multi-user.target

      """
  }

  /// The `buildkit.service` nerdctl-full ships, derived from containerd's unit the way its
  /// Dockerfile does (`bin/containerd` to `bin/buildkitd`, Description and Documentation
  /// emptied): no worker flags, so `buildkitd.toml` chooses the worker.
  static func nerdctlFullBuildkit(bin: String) -> String {
    containerd(bin: bin)
      .split(separator: "\n", omittingEmptySubsequences: false)
      .map { line in
        if line.hasPrefix("Description=") || line.hasPrefix("Documentation=") { return "" }
        return String(line.replacing("bin/containerd", with: "bin/buildkitd"))
      }
      .joined(separator: "\n")
  }
}
