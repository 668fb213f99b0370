import Spec

/// Releases with known regressions (domain-facts.md section 10): a warning at the version's
/// spec line that says what breaks and which release fixes it.
enum KnownIssues {
  struct Issue {
    /// The spec key the lint applies to: `runc`, `containerd`, `nerdctl`, `nerdctl-full`.
    var component: String
    /// Inclusive.
    var first: String
    var last: String
    var id: String
    var reason: String
  }

  static let all: [Issue] = [
    Issue(
      component: "runc", first: "1.2.0", last: "1.2.3", id: "known-bad-version",
      reason: "runc 1.2.0 to 1.2.3 carry regressions: tun/tap devices left the default "
        + "allowlist (back in 1.2.4) and a mkdir race breaks BuildKit (fixed in 1.2.3); "
        + "use 1.2.4 or later"),
    Issue(
      component: "runc", first: "1.3.0", last: "1.3.5", id: "known-bad-version",
      reason: "runc 1.3.0 to 1.3.5 can leave `runc exec`/`runc run` stuck for short-lived "
        + "processes; fixed in 1.3.6"),
    Issue(
      component: "runc", first: "1.4.0", last: "1.4.1", id: "known-bad-version",
      reason: "runc 1.4.0 and 1.4.1 can leave `runc exec`/`runc run` stuck for short-lived "
        + "processes; fixed in 1.4.2"),
    Issue(
      component: "containerd", first: "2.2.0", last: "2.2.1", id: "known-bad-version",
      reason: "containerd 2.2.0 and 2.2.1 fail to load the CRI plugin with a migrated "
        + "`version = 2` config that sets registry mirrors (containerd#12612); fixed in 2.2.2"),
    Issue(
      component: "nerdctl", first: "2.0.0", last: "2.0.1", id: "nerdctl-hosts-bug",
      reason: "nerdctl 2.0.0 and 2.0.1 ignore /etc/containerd/certs.d/docker.io/hosts.toml "
        + "(nerdctl#3697), so docker.io mirrors are not used; fixed in 2.0.2"),
    Issue(
      component: "nerdctl-full", first: "2.0.0", last: "2.0.1", id: "nerdctl-hosts-bug",
      reason: "the nerdctl in nerdctl-full 2.0.0 and 2.0.1 ignores "
        + "/etc/containerd/certs.d/docker.io/hosts.toml (nerdctl#3697), so docker.io mirrors "
        + "are not used; fixed in 2.0.2"),
  ]

  /// The ids of the warnings `version` of the component with this spec key draws.
  static func ids(of key: String, version: String) -> [String] {
    guard let version = SemanticVersion(version) else { return [] }
    return all.filter { $0.component == key && version.isWithin($0.first, $0.last) }.map(\.id)
  }

  /// Warns for every known issue of this component entry's version.
  static func check(_ component: Component, diagnostics: inout Diagnostics) {
    guard let version = SemanticVersion(component.version.value) else { return }
    for issue in all
    where issue.component == component.key && version.isWithin(issue.first, issue.last) {
      diagnostics.warning(
        issue.id, issue.reason, at: component.version.range,
        path: "components.\(component.key).version")
    }
  }
}
