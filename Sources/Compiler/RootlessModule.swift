import Spec

/// Rootless mode's prerequisites, set up by root before anything else (domain-facts.md
/// section 7): the account and its home, `newuidmap`/`newgidmap` and the D-Bus user session,
/// subordinate ID ranges, cgroup delegation, the old-kernel sysctl, the AppArmor profile for
/// a RootlessKit outside `/usr/bin`, RootlessKit and slirp4netns (unless nerdctl-full brings
/// them), linger, the user's systemd manager, and the `~/.config` folders the configuration
/// files go into (owned by the user; the file contract would create missing parents as root).
///
/// The setup tool itself runs last (`RootlessSetupModule`), once every binary and file is in
/// place. Each step is idempotent: a guard, a stamp or a condition says when it has nothing
/// to do.
enum RootlessModule: CompilerModule {
  /// Sub-IDs a user needs at least (rootlesskit README: "more than 65536 sub-IDs").
  static let subordinateCount = 65_536
  /// Where allocation starts when no range exists yet (useradd's default `SUB_UID_MIN`).
  static let subordinateFloor = 100_000
  /// Copies of files whose change must trigger a command (a reload), compared on each run.
  static let stampFolder = "/var/lib/nodespec/rootless"

  static let delegationDropIn = "/etc/systemd/system/user@.service.d/delegate.conf"
  static let sysctlFile = "/etc/sysctl.d/99-nodespec-rootless.conf"
  static let usernsCloneKey = "kernel.unprivileged_userns_clone"
  /// Present where the kernel restricts unprivileged user namespaces through AppArmor
  /// (Ubuntu 23.10 and later; on by default since 24.04).
  static let apparmorRestriction = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    let spec = context.spec
    guard spec.mode.value == .rootless else {
      // A `mode` that did not decode may have meant rootless.
      guard !spec.undecoded.contains("mode") else { return }
      for component in [spec.components.rootlesskit, spec.components.slirp4netns]
        .compactMap({ $0 })
      {
        diagnostics.warning(
          "rootless-component-ignored", "`\(component.key)` is installed only in rootless mode",
          at: component.range, path: "components.\(component.key)",
          hint: "set `mode: rootless`, or remove `\(component.key)`")
      }
      return
    }
    checkSpec(context, diagnostics: &diagnostics)
    guard let user = context.rootless else { return }
    let origin = spec.user?.range ?? spec.mode.range

    let script = context.paths.underPrefix(RootlessScript.relativePath)
    plan.add(
      "rootless.script", origin: spec.mode.range,
      .file(File(path: script, content: .init(RootlessScript.text), mode: 0o755)))
    plan.add("rootless.user", origin: origin, .command(accountCheck(user, script: script)))
    plan.add(
      "rootless.packages", origin: spec.mode.range,
      .packages(
        // apt and dnf names from domain-facts.md section 7. On openSUSE newuidmap and
        // newgidmap ship in `shadow` (its shadow.permissions file on the openSUSE Build Service
        // grants them their capabilities); the D-Bus user session's package there is not
        // verified, so the node must bring that itself.
        Packages(
          apt: ["uidmap", "dbus-user-session"], dnf: ["shadow-utils", "dbus-daemon"],
          zypper: ["shadow"])))
    plan.add("rootless.subids", origin: origin, .command(subordinateIDs(user, script: script)))
    addDelegation(origin: spec.mode.range, script: script, into: &plan)
    addUsernsClone(origin: spec.mode.range, into: &plan)
    addBinaries(context, into: &plan, diagnostics: &diagnostics)
    addAppArmor(context, script: script, into: &plan)
    plan.add("rootless.linger", origin: origin, .command(linger(user, script: script)))
    plan.add(
      "rootless.manager", origin: origin, .command(userManager(user, script: script)),
      condition: .systemdRunning)
    addConfigFolders(context, user: user, into: &plan)
  }

  // MARK: Validation

  /// What rootless mode cannot do, or needs the spec to say, reported at the spec line.
  static func checkSpec(_ context: CompileContext, diagnostics: inout Diagnostics) {
    let spec = context.spec
    let components = spec.components
    if let kubernetes = spec.kubernetes {
      diagnostics.error(
        "rootless-kubernetes", "`kubernetes` needs containerd running as root",
        at: kubernetes.keyRange ?? kubernetes.range, path: "kubernetes",
        hint: "remove `kubernetes`, or use `mode: root`")
    }
    if !spec.writes("components.nerdctl-full") {
      // The setup tool and containerd-rootless.sh come with nerdctl.
      if !spec.writes("components.nerdctl") || !spec.writes("components.containerd") {
        diagnostics.error(
          "rootless-needs-nerdctl",
          "rootless mode needs containerd and nerdctl (which brings the rootless setup tool)",
          at: components.range ?? spec.mode.range, path: "components",
          hint: "add `nerdctl-full:`, or `containerd:` and `nerdctl:`")
      }
      // Ids written out, so that a search of the sources finds each one.
      for (key, id) in [
        (key: "rootlesskit", id: "rootless-needs-rootlesskit"),
        (key: "slirp4netns", id: "rootless-needs-slirp4netns"),
      ] where !spec.writes("components.\(key)") {
        diagnostics.error(
          id, "rootless mode needs \(key), which the spec does not install",
          at: components.range ?? spec.mode.range, path: "components",
          hint: "add `\(key):` with its version and `sha256:`, or use nerdctl-full, which "
            + "bundles it")
      }
    }
    for registry in context.registries {
      for host in registry.hosts + [registry.serverHost].compactMap({ $0 })
      where isLoopback(host.host) {
        diagnostics.warning(
          "rootless-loopback-mirror",
          "rootless containerd pulls inside RootlessKit's network namespace, where `\(host.host)` "
            + "is not this machine",
          at: host.origin, path: "registries.\(registry.name)",
          hint: "use an address of the machine other than loopback (nerdctl docs/registry.md)")
      }
    }
  }

  /// `localhost`, `127.*` and `[::1]`, with or without a port. A mirror on a privileged port
  /// is not warned about: the limit applies to listening, and pulls only connect.
  static func isLoopback(_ hostPort: String) -> Bool {
    var host = Substring(hostPort)
    if host.hasPrefix("[") {
      host = host.dropFirst().prefix { $0 != "]" }
      return host == "::1"
    }
    host = host.prefix { $0 != ":" }
    return host.lowercased() == "localhost" || host.hasPrefix("127.")
  }

  // MARK: Steps

  /// Fails the run, naming what is missing, unless the account and its home exist.
  /// The check is its own guard: it runs a second time only to fail with its message.
  static func accountCheck(_ user: RootlessUser, script: String) -> Command {
    let check = ["/bin/sh", script, "check-account", user.name, user.home]
    return Command(
      title: "check that user \(user.name) exists", argv: check, guard: .unless(check))
  }

  /// A range of 65536 sub-UIDs and sub-GIDs for the user where it has no adequate one,
  /// starting after the highest range any account has (at least 100000), so that it
  /// overlaps none.
  static func subordinateIDs(_ user: RootlessUser, script: String) -> Command {
    Command(
      title: "allocate subordinate IDs for \(user.name)",
      argv: ["/bin/sh", script, "allocate-subids", user.name],
      guard: .unless(["/bin/sh", script, "has-subids", user.name]))
  }

  /// Every controller delegated to user managers, so that `--cpus` and `--memory` work;
  /// systemd re-reads units when the drop-in changed. It applies to user managers started
  /// afterwards (linger starts this user's after it).
  static func addDelegation(
    origin: SourceRange, script: String, into plan: inout PlanBuilder
  ) {
    let text = "# \(Paths.generatedHeader)\n[Service]\nDelegate=cpu cpuset io memory pids\n"
    plan.add(
      "rootless.delegation", origin: origin,
      .file(File(path: delegationDropIn, content: .init(text))))
    plan.add(
      "rootless.delegation.reload", origin: origin,
      .command(
        whenChanged(
          delegationDropIn, title: "reload systemd for the cgroup delegation",
          run: ["systemctl", "daemon-reload"], script: script)),
      condition: .systemdRunning)
  }

  /// `kernel.unprivileged_userns_clone=1` on the kernels that have the switch (Debian 10,
  /// old Arch), now and at boot; no other kernel gets the file.
  static func addUsernsClone(origin: SourceRange, into plan: inout PlanBuilder) {
    let key = "/proc/sys/" + String(usernsCloneKey.map { $0 == "." ? "/" : $0 })
    plan.add(
      "rootless.sysctl", origin: origin,
      .file(
        File(
          path: sysctlFile,
          content: .init("# \(Paths.generatedHeader)\n\(usernsCloneKey) = 1\n"))),
      condition: .pathExists(key))
    plan.add(
      "rootless.sysctl.\(usernsCloneKey)", origin: origin,
      .sysctl(Sysctl(key: usernsCloneKey, value: "1")), condition: .pathExists(key))
  }

  /// RootlessKit (tarball, flat) and slirp4netns (raw binary) into `<prefix>/bin`, unless
  /// nerdctl-full brings both.
  static func addBinaries(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    guard context.spec.components.nerdctlFull == nil else { return }
    let bin = context.paths.bin
    if let rootlesskit = context.spec.components.rootlesskit,
      let artifact = Downloads.artifact(
        id: "rootlesskit.archive", component: rootlesskit, release: .rootlesskit,
        install: .archive(directory: bin), provides: ["\(bin)/rootlesskit"], context: context,
        diagnostics: &diagnostics)
    {
      plan.add("rootlesskit.archive", origin: rootlesskit.range, artifact)
    }
    if let slirp = context.spec.components.slirp4netns,
      let artifact = Downloads.artifact(
        id: "slirp4netns.binary", component: slirp, release: .slirp4netns,
        install: .binary(path: "\(bin)/slirp4netns", mode: 0o755),
        provides: ["\(bin)/slirp4netns"], context: context, diagnostics: &diagnostics)
    {
      plan.add("slirp4netns.binary", origin: slirp.range, artifact)
    }
  }

  /// The AppArmor profile that lets a RootlessKit outside `/usr/bin` create user namespaces
  /// (rootlesscontaine.rs apparmor.md), only where the kernel restricts them; loaded again
  /// when the profile changed.
  static func addAppArmor(
    _ context: CompileContext, script: String, into plan: inout PlanBuilder
  ) {
    let binary = "\(context.paths.bin)/rootlesskit"
    guard binary != "/usr/bin/rootlesskit" else { return }
    let path = apparmorProfilePath(binary)
    let origin = context.spec.mode.range
    plan.add(
      "rootless.apparmor", origin: origin,
      .file(File(path: path, content: .init(apparmorProfile(binary)))),
      condition: .pathExists(apparmorRestriction))
    plan.add(
      "rootless.apparmor.load", origin: origin,
      .command(
        whenChanged(
          path, title: "load the AppArmor profile for \(binary)",
          run: ["apparmor_parser", "-r", path], script: script)),
      condition: .pathExists(apparmorRestriction))
  }

  /// `/etc/apparmor.d/` and the binary's path with `/` as `.`, less the leading one (the name
  /// rootlesskit's own warning gives).
  static func apparmorProfilePath(_ binary: String) -> String {
    "/etc/apparmor.d/" + String(binary.dropFirst().map { $0 == "/" ? "." : $0 })
  }

  static func apparmorProfile(_ binary: String) -> String {
    let local = String(apparmorProfilePath(binary).dropFirst("/etc/apparmor.d/".count))
    return """
      # \(Paths.generatedHeader)
      abi <abi/4.0>,
      include <tunables/global>

      \(binary) flags=(unconfined) {
        userns,

        # Site-specific additions and overrides. See local/README for details.
        include if exists <local/\(local)>
      }

      """
  }

  /// Linger: the user's manager starts at boot and outlives logins. Without systemd running
  /// the script leaves the marker file `loginctl enable-linger` would.
  static func linger(_ user: RootlessUser, script: String) -> Command {
    Command(
      title: "enable linger for \(user.name)", argv: ["/bin/sh", script, "linger", user.name],
      guard: .creates("/var/lib/systemd/linger/\(user.name)"))
  }

  /// The user's systemd manager, up and reachable on its bus before any step runs as the
  /// user (`systemctl --user` needs it).
  static func userManager(_ user: RootlessUser, script: String) -> Command {
    Command(
      title: "start the systemd user manager of \(user.name)",
      argv: ["/bin/sh", script, "start-manager", user.name],
      guard: .unless(["/bin/sh", script, "has-bus", user.name]))
  }

  /// The folders under `~/.config` that configuration files go into, owned by the user.
  static func addConfigFolders(
    _ context: CompileContext, user: RootlessUser, into plan: inout PlanBuilder
  ) {
    let config = context.paths.configRoot
    let owner = user.ownership
    var folders = [("config", config, 0o700)]
    if !context.registries.isEmpty {
      folders += [
        ("containerd", "\(config)/containerd", 0o755),
        ("certs", context.paths.certsDirectory, 0o755),
      ]
      folders += context.registries.map {
        ("certs.\($0.folder)", "\(context.paths.certsDirectory)/\($0.folder)", 0o755)
      }
    }
    let components = context.spec.components
    if components.nerdctl != nil || components.nerdctlFull != nil {
      folders.append(("nerdctl", "\(config)/nerdctl", 0o755))
    }
    if components.buildkit != nil || components.nerdctlFull != nil {
      folders.append(("buildkit", "\(config)/buildkit", 0o755))
    }
    for (id, path, mode) in folders {
      plan.add(
        "rootless.folder.\(id)", origin: context.spec.user?.range,
        .directory(Directory(path: path, mode: mode, owner: owner)))
    }
  }

  /// `run` as root when `file` differs from the copy taken the last time it ran; the copy
  /// (under `stampFolder`) is taken after it succeeded.
  static func whenChanged(
    _ file: String, title: String, run argv: [String], script: String
  ) -> Command {
    let stamp = "\(stampFolder)/" + String(file.dropFirst().map { $0 == "/" ? "." : $0 })
    return Command(
      title: title, argv: ["/bin/sh", script, "when-changed", file, stamp] + argv,
      guard: .unless(["cmp", "-s", "--", file, stamp]))
  }
}
