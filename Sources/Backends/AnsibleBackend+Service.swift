import Compiler
import Spec

extension AnsibleBackend.Playbook {
  /// The handler topic that restarts a service; user services carry their user so that a
  /// system and a user unit of the same name stay apart.
  static func restartTopic(_ service: Service) -> String {
    switch service.scope {
    case .system: "Restart \(service.unit)"
    case .user(let user): "Restart \(service.unit) of \(user)"
    }
  }

  /// A unit enabled and started when systemd runs; without systemd (an image build, a
  /// container) enabled by hand, as `systemctl enable` would, and not started.
  func serviceTasks(_ service: Service, into tasks: inout [Task]) {
    var args: [(String, YAMLValue)] = [
      ("name", Scalar.literal(service.unit)),
      ("enabled", Scalar.bool(true)),
      ("state", .scalar("started")),
    ]
    if case .user = service.scope { args.append(("scope", .scalar("user"))) }
    // Under `--check` on a node without the unit file yet, the systemd module would fail to
    // find the unit: what the run would do is said instead.
    let unitFile = Task(
      "Check whether the unit file of \(service.unit) is there", "ansible.builtin.stat",
      [("path", Scalar.literal(service.unitPath)), ("get_checksum", Scalar.bool(false))]
    ).register("nodespec_unit_file").when(allOf: [Self.systemdRunning, "ansible_check_mode"])
    let running = Self.runAs(
      service.scope.user, environment: [],
      Task("Enable and start \(service.unit)", "ansible.builtin.systemd_service", args)
    )
    .when(allOf: [
      Self.systemdRunning, "not ansible_check_mode or nodespec_unit_file.stat.exists",
    ])
    let wouldStart = Task(
      "Report that \(service.unit) would be enabled and started", "ansible.builtin.debug",
      [("msg", Scalar.literal("nodespec: would enable, start \(service.unit)"))]
    ).changedWhen("true")
      .when(allOf: [
        Self.systemdRunning, "ansible_check_mode", "not nodespec_unit_file.stat.exists",
      ])

    let wants: YAMLValue
    let link: YAMLValue
    var linkVariables: [(String, YAMLValue)] = []
    switch service.scope {
    case .system:
      wants = Scalar.literal("/etc/systemd/system/\(service.wantedBy).wants")
      link = Scalar.literal("/etc/systemd/system/\(service.wantedBy).wants/\(service.unit)")
    case .user:
      // The user manager's folder, under the home directory from the `getent` facts.
      let folder =
        "{{ ansible_facts['getent_passwd'][nodespec_user][4] }}/.config/systemd/user"
        + "/{{ nodespec_wanted_by }}.wants"
      wants = Scalar.template(folder)
      link = Scalar.template(folder + "/{{ nodespec_unit }}")
      linkVariables = [
        ("nodespec_wanted_by", Scalar.literal(service.wantedBy)),
        ("nodespec_unit", Scalar.literal(service.unit)),
      ]
    }
    // A user's link is made as that user (`become_user`), so it is theirs without naming a
    // group; a system link belongs to root.
    let owner = service.scope.user == nil ? Self.ownership(nil) : []
    let offline = Task(
      block: "Enable \(service.unit) without starting it",
      [
        Task(
          "Create the folder of units wanted by \(service.wantedBy)", "ansible.builtin.file",
          [
            ("path", wants),
            ("state", .scalar("directory")),
            ("mode", Scalar.mode(0o755)),
          ] + owner),
        Task(
          "Enable \(service.unit)", "ansible.builtin.file",
          [
            ("src", Scalar.literal(service.unitPath)),
            ("dest", link),
            ("state", .scalar("link")),
          ] + owner
        ).notify([Self.offlineTopic(service)]),
      ]
    ).when("not (\(Self.systemdRunning))")
    tasks.append(unitFile)
    tasks.append(running)
    tasks.append(wouldStart)
    tasks.append(Self.runAs(service.scope.user, environment: [], offline).vars(linkVariables))
  }

  /// The topic every change that may touch a unit file notifies.
  static let reloadTopic = "Reload systemd"

  /// One daemon-reload handler per systemd manager the plan's services live in (the system's,
  /// each user's), listening to `reloadTopic`. Handlers run in the order they are listed, so
  /// these come first: every restart then sees the new unit files.
  func reloadHandlers() -> [Task] {
    var scopes: [Service.Scope] = []
    for case .service(let service) in plan.resources.map(\.kind)
    where !scopes.contains(service.scope) {
      scopes.append(service.scope)
    }
    return scopes.map { scope in
      let task: Task
      switch scope {
      case .system:
        task = Task(
          "Reload the systemd manager", "ansible.builtin.systemd_service",
          [("daemon_reload", Scalar.bool(true))])
      case .user(let user):
        task = Task(
          "Reload the systemd user manager of \(user)", "ansible.builtin.systemd_service",
          [("daemon_reload", Scalar.bool(true)), ("scope", .scalar("user"))])
      }
      return Self.runAs(
        scope.user, environment: [],
        task.when(Self.systemdRunning).with("listen", Scalar.literal(Self.reloadTopic)))
    }
  }

  /// The handler that says a unit was enabled but not started: it runs only when the
  /// enablement link was created, so a later run, finding the link, says nothing.
  static func offlineTopic(_ service: Service) -> String {
    switch service.scope {
    case .system: "Report that \(service.unit) is not started"
    case .user(let user): "Report that \(service.unit) of \(user) is not started"
    }
  }

  func offlineHandler(_ service: Service) -> Task {
    Task(
      Self.offlineTopic(service), "ansible.builtin.debug",
      [
        (
          "msg",
          Scalar.literal("nodespec: systemd is not running: \(service.unit) enabled, not started")
        )
      ])
  }

  /// The handlers a notified service gets. They run at the `flush_handlers` before the
  /// service's own step, after the daemon-reload handlers: a unit that is not running yet is
  /// left alone there (the step starts it with the new configuration), a running one is
  /// restarted.
  static func restartHandlers(_ service: Service, into handlers: inout [Task]) {
    let topic = Self.restartTopic(service)
    var scope: [(String, YAMLValue)] = []
    if case .user = service.scope { scope = [("scope", .scalar("user"))] }
    let read = Task(
      "Read whether \(service.unit) is running", "ansible.builtin.systemd_service",
      // `masked: false` changes nothing on a unit that is not masked (and the service step
      // fails on one that is); it is there because the module wants an action, and
      // `daemon_reload` would reload systemd a second time.
      [("name", Scalar.literal(service.unit)), ("masked", Scalar.bool(false))] + scope
    )
    .register("nodespec_unit").when(Self.systemdRunning).with("listen", Scalar.literal(topic))
    let restart = Task(
      "Restart \(service.unit) if it is running",
      "ansible.builtin.systemd_service",
      [
        ("name", Scalar.literal(service.unit)),
        ("state", .scalar("restarted")),
      ] + scope
    )
    .when(allOf: [
      Self.systemdRunning,
      "nodespec_unit.status.ActiveState | default('') in ['active', 'activating', 'reloading']",
    ])
    .with("listen", Scalar.literal(topic))
    handlers.append(Self.runAs(service.scope.user, environment: [], read))
    handlers.append(Self.runAs(service.scope.user, environment: [], restart))
  }
}

extension Service.Scope {
  /// The account of a user-scope unit; nil for a system unit.
  fileprivate var user: String? {
    if case .user(let name) = self { name } else { nil }
  }
}
