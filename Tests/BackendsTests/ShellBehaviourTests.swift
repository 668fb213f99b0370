import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// Runs generated scripts for real, on plans confined to a temporary folder (no services,
/// packages or network), as root: the tests run as root here; elsewhere they are skipped.
@Suite(.serialized, .enabled(if: getuid() == 0, "the behaviour tests run the scripts as root"))
struct ShellBehaviourTests {
  let root: URL
  var base: String { root.path }

  init() throws {
    root = try ShellTestSupport.makeTemporaryDirectory()
  }

  /// The plan with its manifest in this test's folder, never the machine's /var/lib/nodespec.
  private func local(_ plan: Plan) -> Plan {
    var plan = plan
    plan.manifest = "\(base)/state/manifest"
    return plan
  }

  private func apply(_ plan: Plan) throws -> ShellTestSupport.Run {
    let script = try ShellTestSupport.render(local(plan), with: ShellBackend())
    let path = root.appendingPathComponent("apply.sh").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    return try ShellTestSupport.run("bash", [path])
  }

  private func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }

  private func attributes(_ path: String) throws -> (mode: Int, modified: Date, inode: Int) {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    let modified = attributes[.modificationDate] as? Date ?? .distantPast
    let inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1
    return (mode, modified, inode)
  }

  private func filesPlan(config: String) -> Plan {
    Plan(
      name: "behaviour", arches: [.amd64],
      resources: [
        Resource(
          id: "dir", origin: nil,
          kind: .directory(Directory(path: "\(base)/etc/app", mode: 0o750))),
        Resource(
          id: "config", origin: nil,
          kind: .file(File(path: "\(base)/etc/app/config.toml", content: .init(config)))),
        Resource(
          id: "no-newline", origin: nil,
          kind: .file(
            File(
              path: "\(base)/deep/er/token", content: .init("no trailing newline\nlast"),
              mode: 0o600))),
        Resource(
          id: "hostile", origin: nil,
          kind: .file(
            File(
              path: "\(base)/it's $(touch \(base)/pwned)",
              content: .init(ShellTestPlans.injectionPayloads.joined(separator: "\n"))))),
      ])
  }

  @Test func appliesOnceThenChangesNothing() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let plan = filesPlan(config: "version = 3\n")

    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("nodespec: ") },
      "\(first.stdout)")
    #expect(first.stdout.contains("nodespec: created directory \(base)/etc/app\n"))
    #expect(first.stdout.contains("nodespec: created \(base)/etc/app/config.toml\n"))
    #expect(read("\(base)/etc/app/config.toml") == "version = 3\n")
    #expect(read("\(base)/deep/er/token") == "no trailing newline\nlast")
    #expect(
      read("\(base)/it's $(touch \(base)/pwned)")
        == ShellTestPlans.injectionPayloads.joined(separator: "\n"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/pwned"))
    #expect(try attributes("\(base)/etc/app").mode == 0o750)
    #expect(try attributes("\(base)/deep/er/token").mode == 0o600)
    #expect(try attributes("\(base)/deep/er").mode == 0o755)

    let before = try ["config.toml"].map { try attributes("\(base)/etc/app/\($0)") }
    let token = try attributes("\(base)/deep/er/token")
    Thread.sleep(forTimeInterval: 0.02)
    let second = try apply(plan)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.isEmpty, "a second run changed something: \(second.stdout)")
    #expect(try attributes("\(base)/etc/app/config.toml").modified == before[0].modified)
    #expect(try attributes("\(base)/deep/er/token").modified == token.modified)

    // One changed content rewrites that file only; a changed mode is fixed in place.
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o644], ofItemAtPath: "\(base)/deep/er/token")
    let third = try apply(filesPlan(config: "version = 4\n"))
    #expect(third.status == 0, "\(third.stderr)")
    #expect(
      third.stdout
        == "nodespec: updated \(base)/etc/app/config.toml\n"
        + "nodespec: set mode 600 on \(base)/deep/er/token\n")
    #expect(read("\(base)/etc/app/config.toml") == "version = 4\n")
    #expect(try attributes("\(base)/etc/app/config.toml").inode != before[0].inode)
    #expect(try attributes("\(base)/deep/er/token").inode == token.inode)
    // No temporary file is left beside the targets.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(base)/etc/app")
    #expect(leftovers == ["config.toml"])
  }

  /// On a converged node a file step whose content the script knows starts no process: the
  /// manifest's sha256 and the one stat pass decide. Drift is still found: bytes changed
  /// behind the same size and mtime (ctime moved), a mode, and --check names both.
  @Test func keptFilesStartNoProcessAndDriftIsStillFound() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let plan = filesPlan(config: "version = 3\n")
    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")

    // Shims that log every call in front of the real tools.
    let bin = "\(base)/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    for tool in ["mktemp", "cat", "cmp", "chmod", "chown", "mv", "sha256sum", "stat"] {
      let shim = "#!/bin/sh\necho \(tool) >>'\(base)/calls'\nexec /usr/bin/\(tool) \"$@\"\n"
      try Data(shim.utf8).write(to: URL(fileURLWithPath: "\(bin)/\(tool)"))
      try FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: "\(bin)/\(tool)")
    }
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = "\(bin):" + (environment["PATH"] ?? "/usr/bin:/bin")
    let path = root.appendingPathComponent("apply.sh").path
    let calls = { (self.read("\(self.base)/calls") ?? "").split(separator: "\n") }

    let noop = try ShellTestSupport.run("bash", [path], environment: environment)
    #expect(noop.status == 0 && noop.stdout.isEmpty, "\(noop.stdout)\(noop.stderr)")
    // One stat pass over the manifest's files, nothing per file.
    #expect(calls() == ["stat"], "calls: \(calls())")

    // Same size, the old mtime put back: only ctime says the bytes moved.
    let config = "\(base)/etc/app/config.toml"
    _ = try ShellTestSupport.run("cp", ["-p", config, "\(base)/mtime"])
    try Data("version = 9\n".utf8).write(to: URL(fileURLWithPath: config))
    _ = try ShellTestSupport.run("touch", ["-r", "\(base)/mtime", config])
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o640], ofItemAtPath: "\(base)/deep/er/token")
    let check = try ShellTestSupport.run("bash", [path, "--check"], environment: environment)
    #expect(check.status == 2, "\(check.stderr)")
    #expect(
      check.stdout
        == "nodespec: would update \(config)\n"
        + "nodespec: would set mode 600 on \(base)/deep/er/token\n")
    #expect(read(config) == "version = 9\n")
    let repair = try ShellTestSupport.run("bash", [path], environment: environment)
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(
      repair.stdout
        == "nodespec: updated \(config)\n" + "nodespec: set mode 600 on \(base)/deep/er/token\n")
    #expect(read(config) == "version = 3\n")
    #expect(try attributes("\(base)/deep/er/token").mode == 0o600)

    // Converged again: the next run starts no process per file either.
    try FileManager.default.removeItem(atPath: "\(base)/calls")
    let again = try ShellTestSupport.run("bash", [path], environment: environment)
    #expect(again.status == 0 && again.stdout.isEmpty, "\(again.stdout)\(again.stderr)")
    #expect(calls() == ["stat"], "calls: \(calls())")
  }

  /// The cloud-init mode (contents from staged copies) leaves the same files and is just as
  /// idempotent: only the source of the bytes differs.
  @Test func stagedContentsGiveTheSameFiles() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let plan = filesPlan(config: "version = 3\n")
    let stagedRoot = "\(base)/staged"
    for resource in plan.resources {
      guard case .file(let file) = resource.kind, let text = file.content.literalText else {
        continue
      }
      let staged = URL(fileURLWithPath: ShellBackend.stagedPath(of: file.path, under: stagedRoot))
      try FileManager.default.createDirectory(
        at: staged.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: staged)
    }
    let backend = ShellBackend(fileSource: .staged(root: stagedRoot))
    let script = try ShellTestSupport.render(local(plan), with: backend)
    let path = root.appendingPathComponent("apply-staged.sh").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))

    let first = try ShellTestSupport.run("bash", [path])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(read("\(base)/etc/app/config.toml") == "version = 3\n")
    #expect(read("\(base)/deep/er/token") == "no trailing newline\nlast")
    #expect(try attributes("\(base)/deep/er/token").mode == 0o600)
    let second = try ShellTestSupport.run("bash", [path])
    #expect(second.status == 0 && second.stdout.isEmpty, "\(second.stdout)\(second.stderr)")
    // The inline script agrees that nothing is left to do.
    let inline = try apply(plan)
    #expect(inline.status == 0 && inline.stdout.isEmpty, "\(inline.stdout)\(inline.stderr)")
  }

  @Test func readsSecretsFromTheNodeWithoutPrintingThem() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let secret = "\(base)/secret-token"
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(base)/hosts.toml",
              content: .init([
                .text("Authorization = \""), .secretFile(path: secret), .text("\"\n"),
              ]),
              mode: 0o600)))
      ])
    let missing = try apply(plan)
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("nodespec: secret file \(secret) is missing"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/hosts.toml"))

    try Data("Basic s3cr3t\n\n".utf8).write(to: URL(fileURLWithPath: secret))
    let run = try apply(plan)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(read("\(base)/hosts.toml") == "Authorization = \"Basic s3cr3t\n\"\n")
    #expect(!run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"))
    // Even a traced run shows no secret: the script turns tracing off.
    let script = root.appendingPathComponent("apply.sh").path
    try FileManager.default.removeItem(atPath: "\(base)/hosts.toml")
    let traced = try ShellTestSupport.run("bash", ["-x", script])
    #expect(traced.status == 0)
    #expect(!traced.stderr.contains("s3cr3t"))
  }

  /// A secret bound for a TOML basic string is escaped on the node, or refused naming the
  /// file (never showing it), so its content cannot end the string or add keys.
  @Test func escapesANodeSecretForTOMLOrRefusesIt() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let secret = "\(base)/secret-token"
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(base)/hosts.toml",
              content: .init([
                .text("Authorization = \""),
                .escapedSecretFile(path: secret, escaping: .tomlBasicString),
                .text("\"\n"),
              ]),
              mode: 0o600)))
      ])
    try Data("Digest u=\"s3cr3t\\\", a = \"b\"\tc\n".utf8).write(to: URL(fileURLWithPath: secret))
    let run = try apply(plan)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      read("\(base)/hosts.toml")
        == #"Authorization = "Digest u=\"s3cr3t\\\", a = \"b\"\tc""# + "\n")
    #expect(!run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"))

    for refused in ["s3cr3t\n[x]\n", "s3cr3t\u{1B}", "s3cr3t\r\n", "s3cr3t\u{7F}"] {
      try? FileManager.default.removeItem(atPath: "\(base)/hosts.toml")
      try Data(refused.utf8).write(to: URL(fileURLWithPath: secret))
      let bad = try apply(plan)
      #expect(bad.status != 0, "\(refused.debugDescription) was accepted")
      #expect(bad.stderr.contains("nodespec: secret file \(secret) holds a line break"))
      #expect(!bad.stdout.contains("s3cr3t") && !bad.stderr.contains("s3cr3t"))
      #expect(!FileManager.default.fileExists(atPath: "\(base)/hosts.toml"))
    }
    try Data([0x73, 0x33, 0xFF, 0x74]).write(to: URL(fileURLWithPath: secret))
    let binary = try apply(plan)
    #expect(binary.stderr.contains("nodespec: secret file \(secret) is not UTF-8 text"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/hosts.toml"))
  }

  /// A basic-auth credential is made on the node from a password file: `Basic`, then the
  /// base64 of the user name, `:` and the file less its final newline; a password with a
  /// control character is refused naming the file, never showing it.
  @Test func makesABasicAuthHeaderFromANodeFileOrRefusesIt() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let secret = "\(base)/registry.pass"
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "hosts", origin: nil,
          kind: .file(
            File(
              path: "\(base)/hosts.toml",
              content: .init([
                .text("Authorization = \"Basic "),
                .escapedSecretFile(path: secret, escaping: .basicAuth(username: "c'i $(x)")),
                .text("\"\n"),
              ]),
              mode: 0o600)))
      ])
    let password = "s3cr3t w:\"\\ü\t$(id)"
    try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: secret))
    let run = try apply(plan)
    #expect(run.status == 0, "\(run.stderr)")
    let expected = Data("c'i $(x):\(password)".utf8).base64EncodedString()
    #expect(read("\(base)/hosts.toml") == "Authorization = \"Basic \(expected)\"\n")
    #expect(!run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"))

    for refused in ["s3cr3t\nX\n", "s3cr3t\u{1B}", "s3cr3t\r\n"] {
      try? FileManager.default.removeItem(atPath: "\(base)/hosts.toml")
      try Data(refused.utf8).write(to: URL(fileURLWithPath: secret))
      let bad = try apply(plan)
      #expect(bad.status != 0, "\(refused.debugDescription) was accepted")
      #expect(bad.stderr.contains("nodespec: secret file \(secret) holds a line break"))
      #expect(!bad.stdout.contains("s3cr3t") && !bad.stderr.contains("s3cr3t"))
      #expect(!FileManager.default.fileExists(atPath: "\(base)/hosts.toml"))
    }
  }

  /// Commands run once behind their guards, as root or as another user with the plan's
  /// environment; without systemd a service is enabled by its `.wants` link only.
  @Test(
    .enabled(
      if: !FileManager.default.fileExists(atPath: "/run/systemd/system"),
      "covers the no-systemd path; systemd runs here"))
  func runsGuardedCommandsAndEnablesServicesWithoutSystemd() throws {
    let target = "nodespec-test-\(UUID().uuidString).target"
    let wants = "/etc/systemd/system/\(target).wants"
    defer {
      try? FileManager.default.removeItem(at: root)
      try? FileManager.default.removeItem(atPath: wants)
    }
    let shared = "\(base)/shared"
    try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: shared)
    let hostile = "it's $(touch \(base)/pwned) `id`"
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "unit", origin: nil,
          kind: .file(File(path: "\(base)/unit.service", content: .init("[Unit]\n"))),
          notifies: ["svc'1"]),
        Resource(
          id: "as-root", origin: nil,
          kind: .command(
            Command(
              title: "make marker", argv: ["touch", "\(base)/marker"],
              guard: .creates("\(base)/marker")))),
        Resource(
          id: "as-nobody", origin: nil,
          kind: .command(
            Command(
              title: "write as nobody",
              argv: [
                "sh", "-c", "printf '%s|%s|%s' \"$NS_X\" \"$XDG_RUNTIME_DIR\" \"$1\" > \"$2\"",
                "sh", hostile, "\(shared)/out",
              ],
              user: "nobody", environment: [.init(name: "NS_X", value: hostile)],
              guard: .unless(["test", "-e", "\(shared)/out"])))),
        Resource(
          id: "svc'1", origin: nil,
          kind: .service(
            Service(
              unit: "nodespec-test.service", unitPath: "\(base)/unit.service", wantedBy: target))),
      ])

    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout == """
        nodespec: created \(base)/unit.service
        nodespec: ran make marker
        nodespec: ran write as nobody
        nodespec: systemd is not running: nodespec-test.service enabled, not started

        """)
    #expect(read("\(shared)/out") == "\(hostile)|/run/user/65534|\(hostile)")
    #expect(!FileManager.default.fileExists(atPath: "\(base)/pwned"))
    let link = try FileManager.default.destinationOfSymbolicLink(
      atPath: "\(wants)/nodespec-test.service")
    #expect(link == "\(base)/unit.service")

    let second = try apply(plan)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.isEmpty, "\(second.stdout)")
  }

  /// The systemd path, against a stand-in `systemctl` that keeps enabled/active state in
  /// files and logs its calls: this machine runs no systemd, so the test flips the script's
  /// probe instead.
  @Test func drivesSystemdOnlyWhenSomethingChanged() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let bin = "\(base)/bin"
    let state = "\(base)/systemd"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    let fake = """
      #!/bin/sh
      state='\(state)'
      echo "$*" >>"$state/log"
      for unit; do :; done
      case $1 in
        is-enabled) test -e "$state/enabled-$unit" ;;
        is-active) test -e "$state/active-$unit" ;;
        enable) touch "$state/enabled-$unit" ;;
        start) touch "$state/active-$unit" ;;
      esac

      """
    try Data(fake.utf8).write(to: URL(fileURLWithPath: "\(bin)/systemctl"))
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: "\(bin)/systemctl")

    func plan(_ config: String) -> Plan {
      Plan(
        name: nil, arches: [.amd64],
        resources: [
          Resource(
            id: "config", origin: nil,
            kind: .file(File(path: "\(base)/app.conf", content: .init(config))),
            notifies: ["app"]),
          Resource(
            id: "app", origin: nil,
            kind: .service(
              Service(unit: "app.service", unitPath: "\(base)/app.service", wantedBy: "x.target"))),
          Resource(
            id: "other", origin: nil,
            kind: .service(
              Service(unit: "other.service", unitPath: "\(base)/o.service", wantedBy: "x.target"))),
        ])
    }
    func run(_ plan: Plan) throws -> (ShellTestSupport.Run, [String]) {
      let probe = "if [ -d /run/systemd/system ]; then ns_systemd=1; else ns_systemd=0; fi"
      let script = try ShellTestSupport.render(local(plan), with: ShellBackend())
      try #require(script.contains(probe))
      let path = "\(base)/apply.sh"
      try Data(script.replacingOccurrences(of: probe, with: "ns_systemd=1").utf8)
        .write(to: URL(fileURLWithPath: path))
      try? FileManager.default.removeItem(atPath: "\(state)/log")
      var environment = ProcessInfo.processInfo.environment
      environment["PATH"] = "\(bin):" + (environment["PATH"] ?? "/usr/bin:/bin")
      let result = try ShellTestSupport.run("bash", [path], environment: environment)
      let log = read("\(state)/log")?.split(separator: "\n").map(String.init) ?? []
      return (result, log)
    }

    let (first, firstLog) = try run(plan("a\n"))
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout == """
        nodespec: created \(base)/app.conf
        nodespec: app.service: enabled, started
        nodespec: other.service: enabled, started

        """)
    #expect(firstLog.filter { $0 == "daemon-reload" }.count == 1)
    #expect(!firstLog.contains { $0.hasPrefix("restart") })

    let (second, secondLog) = try run(plan("a\n"))
    #expect(second.stdout.isEmpty, "\(second.stdout)")
    #expect(secondLog.allSatisfy { $0.hasPrefix("is-") }, "\(secondLog)")

    let (third, thirdLog) = try run(plan("b\n"))
    #expect(
      third.stdout == "nodespec: updated \(base)/app.conf\nnodespec: app.service: restarted\n")
    #expect(thirdLog.filter { $0 == "daemon-reload" }.count == 1)
    #expect(thirdLog.filter { $0.hasPrefix("restart") } == ["restart -- app.service"])
  }

  /// Packages, kernel modules and sysctls against stand-in tools that keep their state in
  /// files, so the steps' decisions (what is missing, what differs) are checked for real
  /// without touching this machine.
  @Test func asksTheSystemToolsOnlyForWhatIsMissing() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let bin = "\(base)/bin"
    let state = "\(base)/state"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    let tools = [
      "dpkg-query": """
      for p; do :; done
      if [ -e "$state/pkg-$p" ]; then printf 'install ok installed'; else exit 1; fi
      """,
      "apt-get": """
      echo "apt-get $*" >>"$state/log"
      if [ "$1" = install ]; then for p; do touch "$state/pkg-$p"; done; fi
      """,
      "modprobe": #"echo "modprobe $*" >>"$state/log""#,
      "sysctl": """
      echo "sysctl $*" >>"$state/log"
      """,
    ]
    let portRange = (read("/proc/sys/net/ipv4/ip_local_port_range") ?? "")
      .split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\n" }).joined(separator: " ")
    try #require(portRange != "1024 65000")
    for (name, body) in tools {
      let path = "\(bin)/\(name)"
      try Data("#!/bin/sh\nstate='\(state)'\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
    try Data().write(to: URL(fileURLWithPath: "\(state)/pkg-present"))
    let plan = Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "pkgs", origin: nil,
          kind: .packages(Packages(apt: ["present", "missing"], dnf: ["never"], zypper: []))),
        Resource(
          id: "mod", origin: nil, kind: .kernelModule(KernelModule(name: "nodespec-no-such-mod"))),
        // The value the kernel has: read from /proc/sys, as the script reads it, so the
        // stand-in's `sysctl -n` is never asked.
        Resource(
          id: "same", origin: nil,
          kind: .sysctl(Sysctl(key: "net.ipv4.ip_local_port_range", value: portRange))),
        Resource(
          id: "differs", origin: nil,
          kind: .sysctl(Sysctl(key: "net.ipv4.ip_local_port_range", value: "1024 65000"))),
      ])
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = "\(bin):" + (environment["PATH"] ?? "/usr/bin:/bin")
    let script = try ShellTestSupport.render(local(plan), with: ShellBackend())
    let path = "\(base)/apply.sh"
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))

    let first = try ShellTestSupport.run("bash", [path], environment: environment)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout == """
        nodespec: installed packages: missing
        nodespec: loaded kernel module nodespec-no-such-mod
        nodespec: set net.ipv4.ip_local_port_range = 1024 65000

        """)
    #expect(
      read("\(state)/log") == """
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends -- missing
        modprobe -- nodespec-no-such-mod
        sysctl -q -w -- net.ipv4.ip_local_port_range=1024 65000

        """)
    let second = try ShellTestSupport.run("bash", [path], environment: environment)
    #expect(!second.stdout.contains("packages"), "\(second.stdout)")
  }

  // MARK: Artifacts, served through file:// URLs

  private func artifactPlan(
    url: String, check: Artifact.Check, install: Artifact.Install, provides: [String]
  ) -> Plan {
    Plan(
      name: nil, arches: [.amd64],
      resources: [
        Resource(
          id: "tool", origin: nil,
          kind: .artifact(
            Artifact(
              title: "tool 1.0",
              sources: [.init(arch: .amd64, url: url, fileName: "tool-linux-amd64", check: check)],
              install: install, provides: provides, stamp: "\(base)/state/tool.stamp")))
      ])
  }

  private func sha256(_ path: String) throws -> String {
    let run = try ShellTestSupport.run("sha256sum", [path])
    return String(run.stdout.prefix(64))
  }

  @Test func installsAVerifiedBinaryOnce() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let served = "\(base)/served/tool-linux-amd64"
    try FileManager.default.createDirectory(
      atPath: "\(base)/served", withIntermediateDirectories: true)
    try Data("#!/bin/sh\necho tool\n".utf8).write(to: URL(fileURLWithPath: served))
    let hex = try sha256(served)
    let plan = artifactPlan(
      url: "file://\(served)", check: .sha256(hex),
      install: .binary(path: "\(base)/bin/tool", mode: 0o755), provides: ["\(base)/bin/tool"])

    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "nodespec: installed tool 1.0\n")
    #expect(try attributes("\(base)/bin/tool").mode == 0o755)
    #expect(read("\(base)/bin/tool") == "#!/bin/sh\necho tool\n")
    let source = try #require(
      { if case .artifact(let a) = plan.resources[0].kind { a.sources[0] } else { nil } }())
    #expect(read("\(base)/state/tool.stamp") == Artifact.stampContent(for: source))

    // A second run downloads nothing: the served file can even be gone.
    try FileManager.default.removeItem(atPath: served)
    let second = try apply(plan)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.isEmpty)
  }

  /// gVisor's pins are sha512: the download is checked with sha512sum, a sha256-sized or
  /// wrong sha512 fails, and the stamp records the sha512.
  @Test func verifiesASHA512() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let served = "\(base)/served/runsc"
    try FileManager.default.createDirectory(
      atPath: "\(base)/served", withIntermediateDirectories: true)
    try Data("#!/bin/sh\necho runsc\n".utf8).write(to: URL(fileURLWithPath: served))
    let hex = String(try ShellTestSupport.run("sha512sum", [served]).stdout.prefix(128))
    func plan(_ check: Artifact.Check) -> Plan {
      artifactPlan(
        url: "file://\(served)", check: check,
        install: .binary(path: "\(base)/bin/tool", mode: 0o755), provides: ["\(base)/bin/tool"])
    }
    let wrong = String(repeating: "0", count: 128)
    let refused = try apply(plan(.sha512(wrong)))
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("checksum mismatch for tool-linux-amd64: expected \(wrong), got \(hex)"))
    #expect(!FileManager.default.fileExists(atPath: "\(base)/bin/tool"))

    let run = try apply(plan(.sha512(hex)))
    #expect(run.status == 0, "\(run.stderr)")
    #expect(read("\(base)/bin/tool") == "#!/bin/sh\necho runsc\n")
    #expect(read("\(base)/state/tool.stamp") == "file://\(served) sha512:\(hex)\n")
  }

  @Test func refusesAChecksumMismatchAndInstallsNothing() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let served = "\(base)/served/tool-linux-amd64"
    try FileManager.default.createDirectory(
      atPath: "\(base)/served", withIntermediateDirectories: true)
    try Data("tampered".utf8).write(to: URL(fileURLWithPath: served))
    let got = try sha256(served)
    let want = String(repeating: "0", count: 64)
    try FileManager.default.createDirectory(
      atPath: "\(base)/bin", withIntermediateDirectories: true)
    try Data("old".utf8).write(to: URL(fileURLWithPath: "\(base)/bin/tool"))
    let plan = artifactPlan(
      url: "file://\(served)", check: .sha256(want),
      install: .binary(path: "\(base)/bin/tool", mode: 0o755), provides: ["\(base)/bin/tool"])

    let run = try apply(plan)
    #expect(run.status != 0)
    #expect(
      run.stderr.contains(
        "nodespec: checksum mismatch for tool-linux-amd64: expected \(want), got \(got)\n"))
    #expect(read("\(base)/bin/tool") == "old")
    #expect(!FileManager.default.fileExists(atPath: "\(base)/state/tool.stamp"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(base)/bin") == ["tool"])
  }

  @Test func extractsAnArchiveVerifiedByAPublishedChecksumFile() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let staging = "\(base)/pack"
    try FileManager.default.createDirectory(
      atPath: "\(staging)/bin", withIntermediateDirectories: true)
    try Data("binary".utf8).write(to: URL(fileURLWithPath: "\(staging)/bin/tool"))
    let served = "\(base)/served"
    try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
    let archive = "\(served)/tool-linux-amd64"
    let tar = try ShellTestSupport.run("tar", ["-czf", archive, "-C", staging, "bin"])
    try #require(tar.status == 0)
    let hex = try sha256(archive)
    // A decoy line whose name only ends like ours, then ours in binary (`*`) mode.
    let decoy = String(repeating: "f", count: 64)
    let sums = "\(decoy)  x-tool-linux-amd64\n\(hex.uppercased()) *tool-linux-amd64\n"
    try Data(sums.utf8).write(to: URL(fileURLWithPath: "\(served)/SHA256SUMS"))
    let plan = artifactPlan(
      url: "file://\(archive)", check: .published(checksumURL: "file://\(served)/SHA256SUMS"),
      install: .archive(directory: "\(base)/opt"), provides: ["\(base)/opt/bin/tool"])

    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(read("\(base)/opt/bin/tool") == "binary")
    let second = try apply(plan)
    #expect(second.stdout.isEmpty)

    // Deleting something the artifact provides reinstalls it.
    try FileManager.default.removeItem(atPath: "\(base)/opt/bin/tool")
    let third = try apply(plan)
    #expect(third.stdout == "nodespec: reinstalled tool 1.0: its installed files had changed\n")
    #expect(read("\(base)/opt/bin/tool") == "binary")

    // A checksum file without our name stops the run.
    try Data("\(hex)  other\n".utf8).write(to: URL(fileURLWithPath: "\(served)/SHA256SUMS"))
    try FileManager.default.removeItem(atPath: "\(base)/state/tool.stamp")
    let none = try apply(plan)
    #expect(none.status != 0)
    #expect(none.stderr.contains("nodespec: no checksum for tool-linux-amd64 in file://"))
  }

  /// A `.tar.xz` archive (kata's format) beside a `.tar.gz` one: both unpacked and recorded;
  /// unpacked over a folder that exists, whose `./` member would otherwise reset its mode;
  /// without the xz program the run stops naming it and installs nothing.
  @Test func unpacksAnXzArchiveOverAnExistingFolder() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let staging = "\(base)/pack"
    try FileManager.default.createDirectory(
      atPath: "\(staging)/opt/kata/bin", withIntermediateDirectories: true)
    try Data("#!/bin/sh\necho shim\n".utf8).write(
      to: URL(fileURLWithPath: "\(staging)/opt/kata/bin/shim"))
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: staging)
    let served = "\(base)/served"
    try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
    let archive = "\(served)/kata-static-1.0-amd64.tar.xz"
    // As kata packs it: `tar cvfJ ... .` from the folder holding `opt/`.
    let tar = try ShellTestSupport.run("tar", ["-cJf", archive, "-C", staging, "."])
    try #require(tar.status == 0)
    let node = "\(base)/node"
    try FileManager.default.createDirectory(
      atPath: "\(node)/opt", withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o750])
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: node)
    var plan = artifactPlan(
      url: "file://\(archive)", check: .sha256(try sha256(archive)),
      install: .archive(directory: node, format: .tarXz),
      provides: ["\(node)/opt/kata/bin/shim"])
    plan.warnings = [NodeWarning(unless: "\(base)/kvm", "no kvm here")]

    // No xz on PATH: the run names the program and the packages, and unpacks nothing.
    let bin = "\(base)/bin-without-xz"
    let link = try ShellTestSupport.run(
      "bash",
      [
        "-c",
        "mkdir -p \"$1\" && for f in /usr/bin/* /usr/sbin/*; do n=${f##*/};"
          + " [ \"$n\" = xz ] || ln -sf \"$f\" \"$1/$n\"; done", "sh", bin,
      ])
    try #require(link.status == 0)
    let script = try ShellTestSupport.render(local(plan), with: ShellBackend())
    let path = root.appendingPathComponent("apply.sh").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: path))
    let missing = try ShellTestSupport.run("env", ["PATH=\(bin)", "bash", path])
    #expect(missing.status != 0)
    #expect(
      missing.stderr.contains(
        "nodespec: cannot unpack tool-linux-amd64: xz is not installed"),
      "\(missing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(node)/opt/kata"))

    let first = try apply(plan)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.contains("nodespec: warning: no kvm here"))
    #expect(read("\(node)/opt/kata/bin/shim") == "#!/bin/sh\necho shim\n")
    // The folders that existed keep their modes; those it made are recorded.
    #expect(try attributes(node).mode == 0o755)
    #expect(try attributes("\(node)/opt").mode == 0o750)
    let manifest = read("\(base)/state/manifest") ?? ""
    for folder in ["\(node)/opt/kata", "\(node)/opt/kata/bin"] {
      #expect(manifest.contains("dir\ttool\t\(folder)\n"), "\(manifest)")
    }
    #expect(!manifest.contains("dir\ttool\t\(node)/opt\n"))
    #expect(manifest.contains("\t\(node)/opt/kata/bin/shim\n"))

    // Again: nothing to do, the warning still said (the node still lacks the path).
    let second = try apply(plan)
    #expect(second.status == 0)
    #expect(second.stdout.isEmpty)
    #expect(second.stderr.contains("nodespec: warning: no kvm here"))
    try Data().write(to: URL(fileURLWithPath: "\(base)/kvm"))
    #expect(try apply(plan).stderr.isEmpty)
  }
}
