import Compiler
import Spec

extension AnsibleBackend.Playbook {
  /// The package managers a Plan names packages for, by `ansible_facts['pkg_mgr']`. Fedora
  /// reports `dnf5` for the same package names as `dnf`.
  private static func packageLists(_ packages: Packages) -> [(String, [String])] {
    [
      ("apt", packages.apt), ("dnf", packages.dnf), ("dnf5", packages.dnf),
      (
        "zypper",
        packages.zypper
      ),
    ]
  }

  /// Distribution packages: only missing ones are installed (`state: present`), through the
  /// package manager Ansible detected; an unknown one fails the play clearly.
  func packagesTasks(_ packages: Packages) -> [Task] {
    let lists = Self.packageLists(packages)
    guard lists.contains(where: { !$0.1.isEmpty }) else { return [] }
    let manager = "ansible_facts['pkg_mgr']"
    return [
      Task(
        block: "Install distribution packages",
        [
          Task(
            "Check that the node has a supported package manager", "ansible.builtin.assert",
            [
              ("that", .sequence([Scalar.template("\(manager) in nodespec_packages")])),
              (
                "fail_msg",
                Scalar.template(
                  "nodespec: no supported package manager (apt-get, dnf, zypper);"
                    + " found {{ \(manager) }}"
                )
              ),
              ("quiet", Scalar.bool(true)),
            ]),
          Task(
            "Install packages", "ansible.builtin.package",
            [
              ("name", Scalar.template("{{ nodespec_packages[\(manager)] }}")),
              ("state", .scalar("present")),
            ]
          ).named(template: "Install packages {{ nodespec_packages[\(manager)] | join(', ') }}")
            .when("nodespec_packages[\(manager)] | length > 0"),
        ]
      ).vars([("nodespec_packages", .mapping(lists.map { ($0.0, Scalar.list($0.1)) }))])
    ]
  }

  /// A kernel module, loaded unless `/sys/module/<name>` exists (`creates:` is that stat).
  func kernelModuleTask(_ module: KernelModule) -> Task {
    Task(
      "Load kernel module \(module.name)", "ansible.builtin.command",
      [
        ("argv", Scalar.list(["modprobe", module.name])),
        ("creates", Scalar.literal("/sys/module/\(module.name)")),
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
  static func runAs(_ user: String?, environment: [EnvironmentVariable], _ task: Task) -> Task {
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
    if let user {
      // `become: true` beside `become_user`, so the task does not depend on the play's.
      result = result.with("become", Scalar.bool(true))
        .with("become_user", Scalar.literal(user))
    }
    if !values.isEmpty { result = result.with("environment", .mapping(values)) }
    return result.vars(variables)
  }

  /// Task names start with a capital letter (ansible-lint's `name[casing]`).
  static func capitalized(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.uppercased() + text.dropFirst()
  }
}
