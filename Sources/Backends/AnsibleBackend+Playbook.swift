import Compiler
import Spec

extension AnsibleBackend {
  /// The playbook made from one Plan: the preamble checks, one or a few tasks per resource in
  /// Plan order, and one handler pair per service that something notifies.
  struct Playbook {
    let plan: Plan
    /// The play's `hosts:` pattern, checked by `AnsibleBackend.hostsProblem`.
    let hosts: String
    private(set) var handlers: [Task] = []
    /// Folders an earlier task creates: files going into them need no folder check.
    var ensuredFolders: Set<String> = []
    typealias Archive = (resource: Resource, artifact: Artifact, directory: String)
    /// The plan's archives (`archives(of:)`), found once: the play's variables and each
    /// archive's unpack task look them up.
    let archives: [Archive]

    /// The registered result of `stat /run/systemd/system`, read once (sd_booted()'s test).
    static let systemdVariable = "nodespec_systemd"
    /// True on the node when systemd runs.
    static let systemdRunning = "nodespec_systemd.stat.isdir | default(false)"
    /// The node's arch (a play variable) when the Plan detects it.
    static let archVariable = "nodespec_arch"

    init(plan: Plan, hosts: String = "all") {
      self.plan = plan
      self.hosts = hosts
      self.archives = Self.archives(of: plan)
    }

    /// Writes the play as the one entry of the playbook's sequence: its settings and
    /// variables through `YAMLEmitter`, then its tasks, written straight from each `Task` (the
    /// same bytes as `YAMLEmitter` writes for `play`), then its handlers. Reports what cannot
    /// be expressed; the bytes are of no use then.
    ///
    /// The tasks are written a resource's at a time, as they are built, and freed: the whole
    /// tree first (some 700 tasks for the write-up's full setup) took heap pages that the
    /// process faulted in one by one, 42 page faults more, and put one playbook at 2.46x to
    /// 2.50x the floor's time instead of 2.32x to 2.35x (docs/performance.md, "One
    /// resource's tasks at a time").
    mutating func write(to out: inout ByteWriter, diagnostics: inout Diagnostics) {
      out.write(byte: UInt8(ascii: "-"), UInt8(ascii: " "))
      for (index, (key, value)) in settings.enumerated() {
        if index > 0 { out.indent(2) }
        YAMLEmitter.writePair(key, value, column: 2, to: &out, indentSequences: true)
      }
      out.indent(2)
      out.line("tasks:")
      build(diagnostics: &diagnostics) { Task.writeEntries($0, column: 4, to: &out) }
      if !handlers.isEmpty {
        out.indent(2)
        Task.write("handlers", handlers, column: 2, to: &out)
      }
    }

    /// The play as one `YAMLValue`, built whole: what `write` writes, for the tests that
    /// compare it with the emitter's layouts.
    mutating func play(diagnostics: inout Diagnostics) -> YAMLValue {
      var tasks: [Task] = []
      build(diagnostics: &diagnostics) { tasks += $0 }
      var pairs = settings
      pairs.append(("tasks", .sequence(tasks.map(\.yaml))))
      if !handlers.isEmpty { pairs.append(("handlers", .sequence(handlers.map(\.yaml)))) }
      return .mapping(pairs)
    }

    /// The play's keys before its tasks: name, hosts, facts, variables, environment.
    private var settings: [(String, YAMLValue)] {
      var pairs: [(String, YAMLValue)] = [
        (
          "name",
          Scalar.literal(
            plan.name.map { "Set up node \($0) with nodespec" }
              ?? "Set up the node with nodespec")
        ),
        // Checked to hold no Jinja or YAML syntax; the emitter quotes what YAML would
        // misread (`!staging`, `*.example.com`).
        ("hosts", .scalar(hosts)),
        ("become", Scalar.bool(true)),
        // The minimal subset holds all this play reads: user_uid, architecture, pkg_mgr.
        ("gather_facts", Scalar.bool(true)),
        ("gather_subset", .sequence([.scalar("min")])),
      ]
      var variables = manifestVariables
      if plan.detectsArch {
        var machines: [(String, YAMLValue)] = []
        for arch in plan.arches {
          for machine in arch.unameMachine { machines.append((machine, .scalar(arch.rawValue))) }
        }
        variables += [
          ("nodespec_machines", .mapping(machines)),
          (
            Self.archVariable,
            Scalar.template("{{ nodespec_machines[ansible_facts['architecture']] }}")
          ),
        ]
      }
      pairs.append(("vars", .mapping(variables)))
      if !plan.downloadEnvironment.isEmpty {
        // The spec's proxy, for get_url, uri and the package modules (they read these).
        pairs.append(
          (
            "environment",
            .mapping(plan.downloadEnvironment.map { ($0.name, Scalar.literal($0.value)) })
          ))
      }
      return pairs
    }

    /// Translates every resource, in Plan order, reporting what cannot be expressed, and hands
    /// the tasks to `emit` as they are made: the preamble's, then each resource's, then the
    /// manifest's. The handlers are in `handlers` at the end.
    ///
    /// Every builder appends its tasks to the list it is given (`into:`) rather than returning
    /// an array to be joined: joining copies each task (a retain of each of its fields), and
    /// releasing the array it came from undoes that again.
    private mutating func build(diagnostics: inout Diagnostics, emit: ([Task]) -> Void) {
      // A local list, not a property: the builders are `mutating` (they record the folders
      // they create), and one access to `self` cannot overlap another. Emptied after each
      // `emit`, keeping its room.
      var tasks: [Task] = []
      func flush() {
        emit(tasks)
        tasks.removeAll(keepingCapacity: true)
      }
      preamble(into: &tasks)
      flush()
      handlers = reloadHandlers()
      // What may carry a unit file (a file, an artifact, a command, a package) also asks for a
      // daemon-reload: it runs once, at the next flush, and only on a run that changed one.
      let reload = handlers.isEmpty ? [] : [Self.reloadTopic]
      var previousWasService = false
      for resource in plan.resources {
        let topics = restartTopics(for: resource, diagnostics: &diagnostics)
        if case .service = resource.kind, !previousWasService {
          // Handlers run here, before the units start: systemd reloads what changed, and a
          // unit started for the first time reads its new configuration once instead of
          // being started and then restarted at the end of the play. `flush_handlers` takes
          // no condition: it stays outside the resource's block.
          tasks.append(
            Task(
              "Reload systemd and restart running services whose configuration changed",
              "ansible.builtin.meta", freeForm: "flush_handlers"))
        }
        // A condition wraps the resource's own tasks in a block.
        if let condition = resource.condition {
          var own: [Task] = []
          translate(resource, topics: topics, reload: reload, into: &own, &diagnostics)
          conditioned(own, on: condition, id: resource.id, into: &tasks)
        } else {
          translate(resource, topics: topics, reload: reload, into: &tasks, &diagnostics)
        }
        if case .service = resource.kind {
          previousWasService = true
        } else {
          previousWasService = false
        }
        flush()
      }
      manifestWriteTasks(into: &tasks)
      flush()
    }

    /// One resource's own tasks; its handlers, for a service.
    private mutating func translate(
      _ resource: Resource, topics: [String], reload: [String], into tasks: inout [Task],
      _ diagnostics: inout Diagnostics
    ) {
      switch resource.kind {
      case .directory(let directory):
        tasks.append(directoryTask(directory))
      case .file(let file):
        fileTasks(file, notify: topics + reload, into: &tasks)
      case .artifact(let artifact):
        artifactTasks(
          artifact, resource: resource, notify: topics + reload, into: &tasks,
          diagnostics: &diagnostics)
      case .packages(let packages):
        packagesTasks(packages, notify: reload, into: &tasks)
      case .kernelModule(let module):
        tasks.append(kernelModuleTask(module))
      case .sysctl(let sysctl):
        tasks.append(sysctlTask(sysctl))
      case .command(let command):
        for variable in command.environment where !Scalar.isSafeKey(variable.name) {
          diagnostics.error(
            "ansible-environment-name",
            "the environment variable name `\(variable.name)` would be read as a template in"
              + " a playbook",
            at: resource.origin)
        }
        tasks.append(commandTask(command, notify: topics + reload))
      case .service(let service):
        serviceTasks(service, into: &tasks)
        handlers.append(offlineHandler(service))
        if plan.resources.contains(where: { $0.notifies.contains(resource.id) }) {
          Self.restartHandlers(service, into: &handlers)
        }
      }
    }

    /// `own` (one resource's tasks) in a block applied only where `condition` holds.
    private func conditioned(
      _ own: consuming [Task], on condition: Resource.Condition, id: String,
      into tasks: inout [Task]
    ) {
      switch condition {
      case .pathExists(let path):
        tasks.append(
          Task(
            "Check whether \(path) exists", "ansible.builtin.stat",
            [("path", Scalar.literal(path)), ("get_checksum", Scalar.bool(false))]
          ).register("nodespec_condition"))
        tasks.append(
          Task(block: "Apply \(id) where \(path) exists", own)
            .when("nodespec_condition.stat.exists"))
      case .systemdRunning:
        tasks.append(
          Task(block: "Apply \(id) when systemd is running", own).when(Self.systemdRunning))
      }
    }

    /// Whether a resource needs systemd running.
    private var needsSystemd: Bool {
      plan.resources.contains { $0.condition == .systemdRunning }
    }

    /// The checks every run starts with: root, arch, file paths, systemd, the users commands
    /// run as.
    private func preamble(into checks: inout [Task]) {
      checks.append(
        Task(
          "Check that nodespec runs as root", "ansible.builtin.assert",
          [
            ("that", .sequence([Scalar.template("ansible_facts['user_uid'] == 0")])),
            ("fail_msg", Scalar.literal("nodespec: must run as root")),
            ("quiet", Scalar.bool(true)),
          ]))
      if plan.detectsArch {
        let supported = plan.arches.map(\.rawValue).joinedUTF8(separator: ", ")
        checks.append(
          Task(
            "Check that the node's architecture is supported", "ansible.builtin.assert",
            [
              (
                "that",
                .sequence([
                  Scalar.template("ansible_facts['architecture'] in nodespec_machines")
                ])
              ),
              (
                "fail_msg",
                Scalar.template(
                  "nodespec: unsupported architecture {{ ansible_facts['architecture'] }};"
                    + " this output supports \(supported)")
              ),
              ("quiet", Scalar.bool(true)),
            ]))
      }
      let files = plan.resources.compactMap { resource -> String? in
        if case .file(let file) = resource.kind { file.path } else { nil }
      }
      if !files.isEmpty {
        // `copy` would write into a directory found at a file's path, silently: stop instead,
        // before anything changed.
        checks.append(
          Task(
            "Check the paths of the files nodespec writes", "ansible.builtin.stat",
            [("path", Scalar.template("{{ item }}")), ("get_checksum", Scalar.bool(false))]
          ).with("loop", Scalar.list(files)).register("nodespec_files"))
        checks.append(
          Task(
            "Fail when a file's path is a directory", "ansible.builtin.fail",
            [("msg", Scalar.template("nodespec: {{ item.item }} is a directory, not a file"))]
          ).with("loop", Scalar.template("{{ nodespec_files.results }}"))
            .with("loop_control", .mapping([("label", Scalar.template("{{ item.item }}"))]))
            .when("item.stat.isdir | default(false)"))
      }
      // Always: pruning a service the spec no longer names needs to know too.
      do {
        checks.append(
          Task(
            "Check whether systemd is running", "ansible.builtin.stat",
            [
              ("path", .scalar("/run/systemd/system"))
            ]
          ).register(Self.systemdVariable))
      }
      if needsSystemd {
        checks.append(
          Task(
            "Report that the steps needing systemd are skipped", "ansible.builtin.debug",
            [
              (
                "msg",
                Scalar.literal(
                  "nodespec: systemd is not running: skipped the steps that need it")
              )
            ]
          ).when("not (\(Self.systemdRunning))"))
      }
      if !users.isEmpty {
        checks.append(
          Task(
            "Look up the accounts commands and user services run as", "ansible.builtin.getent",
            [("database", .scalar("passwd"))]))
      }
      manifestReadTasks(into: &checks)
      // After the uninstall, which ends the play: what the node lacks and the compiler
      // could not know is said, not a failure.
      for (index, warning) in plan.warnings.enumerated() {
        let found = "nodespec_warning_\(index)"
        checks.append(
          Task(
            "Check whether \(warning.path) exists", "ansible.builtin.stat",
            [("path", Scalar.literal(warning.path)), ("get_checksum", Scalar.bool(false))]
          ).register(found))
        checks.append(
          Task(
            "Warn that \(warning.path) is missing", "ansible.builtin.debug",
            [("msg", Scalar.literal("nodespec: warning: \(warning.message)"))]
          ).when("not \(found).stat.exists"))
      }
    }

    /// Accounts that run commands or own user services, in Plan order.
    private var users: [String] {
      var seen: [String] = []
      for resource in plan.resources {
        var user: String?
        switch resource.kind {
        case .command(let command): user = command.user
        case .service(let service): if case .user(let name) = service.scope { user = name }
        default: break
        }
        if let user, !seen.contains(user) { seen.append(user) }
      }
      return seen
    }

    /// The handler topics a resource's `notifies` edges name.
    private func restartTopics(for resource: Resource, diagnostics: inout Diagnostics)
      -> [String]
    {
      resource.notifies.compactMap { id in
        guard case .service(let service)? = plan.resource(id)?.kind else {
          diagnostics.error(
            "ansible-notify-target",
            "resource `\(resource.id)` notifies `\(id)`, which is not a service of the plan",
            at: resource.origin)
          return nil
        }
        return Self.restartTopic(service)
      }
    }
  }
}
