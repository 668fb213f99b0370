import Spec

/// The systemd unit files nodespec writes, from the upstream texts (domain-facts.md sections
/// 4 and 8) with the binary paths moved under `prefix`. Each opens with the generated-by
/// comment, which systemd ignores; upstream's comment lines are left out.
enum SystemdUnits {
  /// `containerd.service` as the containerd release ships it, `ExecStart` under `bin`. The
  /// unit changed twice (read at every tag from v1.6.36 to v2.3.4):
  ///
  /// | versions | `After=` | `LimitNOFILE=infinity` |
  /// |---|---|---|
  /// | 1.6.x to 1.7.23 | `network.target local-fs.target` | yes |
  /// | 1.7.24 to 1.7.x | `network.target local-fs.target dbus.service` | yes |
  /// | 2.0.x | `network.target local-fs.target dbus.service` | no |
  /// | 2.1.0 and later | `network.target dbus.service` | no |
  ///
  /// `version` nil (a bundle whose containerd is not known) gets the newest text. 1.6 has the
  /// 1.7.20 text (read at v1.6.36).
  /// `environment`: see `Paths.unitEnvironment`.
  static func containerd(
    bin: String, version: SemanticVersion?, environment: String? = nil
  ) -> String {
    let after: String
    var limitNOFILE = false
    switch version.map({ ($0.major, $0.minor, $0.patch) }) {
    case (let major, let minor, let patch)? where major < 2:
      limitNOFILE = true
      after =
        (major, minor, patch) < (1, 7, 24)
        ? "network.target local-fs.target" : "network.target local-fs.target dbus.service"
    case (2, 0, _)?: after = "network.target local-fs.target dbus.service"
    default: after = "network.target dbus.service"
    }
    let env = environment.map { "Environment=\($0)\n" } ?? ""
    return """
      # \(Paths.generatedHeader)
      [Unit]
      Description=containerd container runtime
      Documentation=https://containerd.io
      After=\(after)

      [Service]
      \(env)ExecStartPre=-/sbin/modprobe overlay
      ExecStart=\(bin)/containerd

      Type=notify
      Delegate=yes
      KillMode=process
      Restart=always
      RestartSec=5

      LimitNPROC=infinity
      LimitCORE=infinity
      \(limitNOFILE ? "LimitNOFILE=infinity\n" : "")
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
  static func buildkit(bin: String, containerdWorker: Bool, environment: String? = nil) -> String {
    let flags =
      containerdWorker
      ? "--oci-worker=false --containerd-worker=true"
      : "--oci-worker=true --containerd-worker=false"
    let after = "After=buildkit.socket" + (containerdWorker ? " containerd.service" : "")
    let env = environment.map { "Environment=\($0)\n" } ?? ""
    return """
      # \(Paths.generatedHeader)
      [Unit]
      Description=BuildKit
      Requires=buildkit.socket
      \(after)
      Documentation=https://github.com/moby/buildkit

      [Service]
      \(env)Type=notify
      ExecStart=\(bin)/buildkitd --addr fd:// \(flags)

      [Install]
      WantedBy=multi-user.target

      """
  }

  /// The `buildkit.service` nerdctl-full ships, derived from containerd's unit the way its
  /// Dockerfile does (`bin/containerd` to `bin/buildkitd`, Description and Documentation
  /// emptied): no worker flags, so `buildkitd.toml` chooses the worker.
  static func nerdctlFullBuildkit(
    bin: String, version: SemanticVersion?, environment: String? = nil
  ) -> String {
    containerd(bin: bin, version: version, environment: environment)
      .split(separator: "\n", omittingEmptySubsequences: false)
      .map { line in
        if line.hasPrefix("Description=") || line.hasPrefix("Documentation=") { return "" }
        return String(line).replacingUTF8("bin/containerd", with: "bin/buildkitd")
      }
      .joinedUTF8(separator: "\n")
  }
}
