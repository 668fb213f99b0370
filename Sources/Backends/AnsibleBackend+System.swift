import Compiler
import Spec

extension AnsibleBackend.Playbook {
  /// Distribution packages through the package manager Ansible detected
  /// (`ansible_facts['pkg_mgr']`), one task per manager the Plan names packages for; only
  /// missing packages are installed. Any other manager fails the play clearly.
  ///
  /// apt refreshes its cache first (at most hourly, so a second run stays `changed=0`) and
  /// installs no recommends. zypper has no `ansible.builtin` module: an
  /// `rpm -q --whatprovides` check (names count when another package provides them, as zypper
  /// resolves them) and `zypper install` stand in for it.
  func packagesTasks(_ packages: Packages, notify topics: [String], into tasks: inout [Task]) {
    let dnf: [(String, String)] = [
      ("dnf", "ansible.builtin.dnf"), ("dnf5", "ansible.builtin.dnf5"),
    ]
    var steps = [
      Task(
        "Check that the node has a supported package manager", "ansible.builtin.assert",
        [
          (
            "that",
            .sequence([
              Scalar.template(
                "ansible_facts['pkg_mgr'] in ['apt', 'dnf', 'dnf5', 'zypper']")
            ])
          ),
          (
            "fail_msg",
            Scalar.template(
              "nodespec: no supported package manager found (apt-get, dnf or zypper)")
          ),
          ("quiet", Scalar.bool(true)),
        ])
    ]
    if !packages.apt.isEmpty {
      steps.append(
        Task(
          "Install \(packages.apt.joinedUTF8(separator: ", ")) with apt", "ansible.builtin.apt",
          [
            ("name", Scalar.list(packages.apt)),
            ("state", .scalar("present")),
            ("install_recommends", Scalar.bool(false)),
            ("update_cache", Scalar.bool(true)),
            ("cache_valid_time", Scalar.int(3600)),
          ]
        ).when("ansible_facts['pkg_mgr'] == 'apt'").notify(topics))
    }
    if !packages.dnf.isEmpty {
      for (manager, module) in dnf {
        steps.append(
          Task(
            "Install \(packages.dnf.joinedUTF8(separator: ", ")) with \(manager)", module,
            [("name", Scalar.list(packages.dnf)), ("state", .scalar("present"))]
          ).when("ansible_facts['pkg_mgr'] == '\(manager)'").notify(topics))
      }
    }
    if !packages.zypper.isEmpty {
      let names = packages.zypper.joinedUTF8(separator: ", ")
      steps.append(
        Task(
          "Check whether \(names) are installed", "ansible.builtin.command",
          [("argv", Scalar.list(["rpm", "-q", "--whatprovides"] + packages.zypper))]
        ).register("nodespec_rpm").changedWhen("false").with("failed_when", Scalar.bool(false))
          .when("ansible_facts['pkg_mgr'] == 'zypper'"))
      steps.append(
        Task(
          "Install \(names) with zypper", "ansible.builtin.command",
          [
            (
              "argv",
              Scalar.list(
                ["zypper", "--non-interactive", "install", "--no-recommends"] + packages.zypper)
            )
          ]
        ).when(allOf: ["ansible_facts['pkg_mgr'] == 'zypper'", "nodespec_rpm.rc != 0"])
          .changedWhen("true").notify(topics))
    }
    guard steps.count > 1 else { return }
    tasks.append(Task(block: "Install distribution packages", steps))
  }

  /// A kernel module, loaded unless `/sys/module/<name>` exists (`creates:` is that stat).
  /// The kernel spells module names with `_` there, whatever `modprobe` was given.
  func kernelModuleTask(_ module: KernelModule) -> Task {
    let loaded = "/sys/module/" + String(module.name.map { $0 == "-" ? "_" : $0 })
    return Task(
      "Load kernel module \(module.name)", "ansible.builtin.command",
      [
        ("argv", Scalar.list(["modprobe", module.name])),
        ("creates", Scalar.literal(loaded)),
      ])
  }

  /// A kernel parameter, written only when the running value differs. Values are compared
  /// word by word: `sysctl -n` separates the words of a multi-word value with tabs.
  func sysctlTask(_ sysctl: Sysctl) -> Task {
    Task(
      block: "Set kernel parameter \(sysctl.key) to \(sysctl.value)",
      [
        Task(
          "Read kernel parameter \(sysctl.key)", "ansible.builtin.command",
          [
            ("argv", Scalar.list(["sysctl", "-n", sysctl.key]))
          ]
        ).register("nodespec_sysctl").changedWhen("false"),
        Task(
          "Write kernel parameter \(sysctl.key)", "ansible.builtin.command",
          [
            ("argv", Scalar.list(["sysctl", "-w", "\(sysctl.key)=\(sysctl.value)"]))
          ]
        ).when("nodespec_sysctl.stdout.split() != nodespec_sysctl_value.split()")
          .changedWhen("true"),
      ]
    ).vars([("nodespec_sysctl_value", Scalar.literal(sysctl.value))])
  }

  /// A guarded command: `creates:` skips it when the path exists; an `unless` command runs
  /// first and skips it when it exits 0. Either way it reports a change exactly when it ran.
  func commandTask(_ command: Command, notify topics: [String]) -> Task {
    let name = Self.capitalized(command.title)
    var args: [(String, YAMLValue)] = [("argv", Scalar.list(command.argv))]
    let task: Task
    switch command.guard {
    case .creates(let path):
      args.append(("creates", Scalar.literal(path)))
      task = Task(name, "ansible.builtin.command", args).notify(topics)
    case .unless(let check):
      task = Task(
        block: name,
        [
          Task(
            "Check whether \(command.title) is needed", "ansible.builtin.command",
            [
              ("argv", Scalar.list(check))
            ]
          ).register("nodespec_guard").changedWhen("false").with("failed_when", Scalar.bool(false)),
          Task(name, "ansible.builtin.command", args).when("nodespec_guard.rc != 0")
            .changedWhen("true").notify(topics),
        ])
    }
    return Self.runAs(command.user, environment: command.environment, task)
  }

  /// The task run as `user` (when set) through `become`, with that user's
  /// `XDG_RUNTIME_DIR=/run/user/<uid>` (uid from the `getent` facts) and `environment`.
  static func runAs(
    _ user: String?, environment: [EnvironmentVariable], _ task: consuming Task
  ) -> Task {
    var variables: [(String, YAMLValue)] = []
    var values: [(String, YAMLValue)] = []
    func set(_ name: String, _ value: YAMLValue) {
      // A later entry replaces an earlier one of the same name, as `env A=1 A=2` does.
      if let index = values.firstIndex(where: { $0.0 == name }) {
        values[index].1 = value
      } else {
        values.append((name, value))
      }
    }
    if let user {
      variables.append(("nodespec_user", Scalar.literal(user)))
      set(
        "XDG_RUNTIME_DIR",
        Scalar.template(
          "/run/user/{{ ansible_facts['getent_passwd'][nodespec_user][1] }}"))
    }
    for variable in environment { set(variable.name, Scalar.literal(variable.value)) }

    var result = task
    if let user { result = Self.becoming(user, result) }
    if !values.isEmpty { result = result.with("environment", .mapping(values)) }
    return result.vars(variables)
  }

  /// Task names start with a capital letter (ansible-lint's `name[casing]`).
  static func capitalized(_ text: String) -> String {
    guard let first = text.first else { return text }
    // `String(...)` copies the rest's bytes: appending the `Substring` itself would go
    // Character by Character (about 0.2 M instructions for one title).
    return first.uppercased() + String(text.dropFirst())
  }
}
