import Spec

/// The account that runs the runtime in rootless mode, and where its home is.
///
/// The home directory is fixed at compile time (`home:`, default `/home/<user>`), so that the
/// Plan stays static: every path is known before the node is reached, and the three targets
/// write the same files. The node checks that the account and that folder exist before any
/// other rootless step.
struct RootlessUser: Sendable, Equatable {
  var name: String
  /// Absolute, without a trailing slash.
  var home: String

  /// Files in the home directory belong to the user and to the group of the same name (the
  /// user-private group `useradd` makes by default on Debian, Ubuntu, Fedora and RHEL).
  var ownership: Ownership { Ownership(user: name, group: name) }

  /// `~/.config/systemd/user`, where the setup tool writes the user's units.
  var userUnits: String { "\(home)/.config/systemd/user" }

  /// The user for a rootless spec, or nil (root mode, or after reporting why not).
  static func validated(_ spec: NodeSpec, diagnostics: inout Diagnostics) -> RootlessUser? {
    guard spec.mode.value == .rootless else { return nil }
    guard let user = spec.user else {
      // A `user:` that did not decode has its error already.
      guard !spec.undecoded.contains("user") else { return nil }
      diagnostics.error(
        "rootless-needs-user", "rootless mode needs the account that runs the runtime",
        at: spec.mode.range, path: "mode",
        hint: "add `user: NAME` (an existing account other than root)")
      return nil
    }
    guard user.value != "root" else {
      diagnostics.error(
        "rootless-root-user", "rootless mode runs the runtime as an unprivileged account, not root",
        at: user.range, path: "user", hint: "name another account, or use `mode: root`")
      return nil
    }
    var home = spec.home?.value ?? "/home/\(user.value)"
    while home.count > 1, home.hasSuffix("/") { home.removeLast() }
    if let given = spec.home, home == "/" {
      diagnostics.error(
        "invalid-home", "the home directory cannot be `/`", at: given.range, path: "home")
      return nil
    }
    return RootlessUser(name: user.value, home: home)
  }
}

extension CompileContext {
  /// Rootless mode's account, once validated; nil in root mode.
  var rootless: RootlessUser? { paths.rootless }
}
