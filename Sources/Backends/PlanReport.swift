import Compiler
import Spec

/// What an output will do on a node, for review (`nodespec plan`): every resource of the
/// Plan, as text for people or as JSON for a CI job that diffs the plans of a pull request.
///
/// Not a target: nothing here runs on a node. Both forms are pure functions of the Plan, with
/// no time stamp and no host name; the JSON shape is docs/plan-contract.md's "The plan as
/// JSON", versioned by `nodespec_plan` and extended only by adding keys. Secret content (a
/// value from the compiling machine's environment, a file read on the node) is never shown.
public enum PlanReport {
  /// The version of the JSON shape.
  public static let formatVersion = 1

  // MARK: JSON

  /// The plan as one JSON object keyed by resource id.
  public static func json(_ plan: Plan) -> JSONValue {
    var resources: [String: JSONValue] = [:]
    for (index, resource) in plan.resources.enumerated() {
      var fields = kindFields(resource.kind)
      fields["order"] = .int(index + 1)
      // Ids of service resources (keys of `resources`), as `notifies` holds them.
      fields["restarts"] = strings(resource.notifies)
      if case .service = resource.kind {
        let by = plan.resources.filter { $0.notifies.contains(resource.id) }.map(\.id)
        fields["restarted_by"] = .array(by.map { .string($0) })
      }
      switch resource.condition {
      case nil: fields["condition"] = .null
      case .pathExists(let path): fields["condition"] = .object(["path_exists": .string(path)])
      case .systemdRunning: fields["condition"] = .object(["systemd_running": .bool(true)])
      }
      resources[resource.id] = .object(fields)
    }
    return .object([
      "nodespec_plan": .int(formatVersion),
      "name": plan.name.map { .string($0) } ?? .null,
      "arches": .array(plan.arches.map { .string($0.rawValue) }),
      "detects_arch": .bool(plan.detectsArch),
      "order": .array(plan.resources.map { .string($0.id) }),
      "resources": .object(resources),
    ])
  }

  /// The units a change of this resource restarts, as `unit` or `unit (user NAME)`.
  private static func restarts(_ resource: Resource, in plan: Plan) -> [String] {
    resource.notifies.compactMap { id in
      guard case .service(let service)? = plan.resource(id)?.kind else { return nil }
      return unitName(service)
    }
  }

  private static func unitName(_ service: Service) -> String {
    switch service.scope {
    case .system: service.unit
    case .user(let user): "\(service.unit) (user \(user))"
    }
  }

  private static func mode(_ mode: Int) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }

  private static func ownership(_ owner: Ownership?) -> [String: JSONValue] {
    ["owner": .string(owner?.user ?? "root"), "group": .string(owner?.group ?? "root")]
  }

  private static func strings(_ values: [String]) -> JSONValue {
    .array(values.map { .string($0) })
  }

  private static func kindFields(_ kind: Resource.Kind) -> [String: JSONValue] {
    switch kind {
    case .directory(let directory):
      return [
        "kind": .string("directory"), "path": .string(directory.path),
        "mode": .string(mode(directory.mode)),
      ].merging(ownership(directory.owner)) { a, _ in a }
    case .file(let file):
      var fields: [String: JSONValue] = [
        "kind": .string("file"), "path": .string(file.path), "mode": .string(mode(file.mode)),
        "secret": .bool(file.content.isSecret),
        "reads": strings(file.content.parts.compactMap(\.nodeFile)),
      ]
      // Secret content is left out whole: a value from the environment sits in a text part.
      fields["content"] =
        file.content.isSecret ? .null : file.content.literalText.map { .string($0) } ?? .null
      return fields.merging(ownership(file.owner)) { a, _ in a }
    case .artifact(let artifact):
      var sources: [String: JSONValue] = [:]
      for source in artifact.sources {
        var check: [String: JSONValue]
        switch source.check {
        case .sha256(let hex): check = ["sha256": .string(hex)]
        case .sha512(let hex): check = ["sha512": .string(hex)]
        case .published(let url): check = ["published": .string(url)]
        case .none: check = ["none": .bool(true)]
        }
        sources[source.arch.rawValue] = .object([
          "url": .string(source.url), "file_name": .string(source.fileName),
          "check": .object(check),
        ])
      }
      let install: JSONValue =
        switch artifact.install {
        case .binary(let path, let mode):
          .object(["binary": .object(["path": .string(path), "mode": .string(Self.mode(mode))])])
        // `format` only for what is not a `.tar.gz`, so that other plans read as before.
        case .archive(let directory, .tarGz):
          .object(["archive": .object(["directory": .string(directory)])])
        case .archive(let directory, let format):
          .object([
            "archive": .object([
              "directory": .string(directory), "format": .string(format.rawValue),
            ])
          ])
        }
      return [
        "kind": .string("artifact"), "title": .string(artifact.title),
        "version": artifact.version.map { .string($0) } ?? .null,
        "sources": .object(sources), "install": install, "provides": strings(artifact.provides),
        "stamp": .string(artifact.stamp),
      ]
    case .packages(let packages):
      return [
        "kind": .string("packages"), "apt": strings(packages.apt), "dnf": strings(packages.dnf),
        "zypper": strings(packages.zypper),
      ]
    case .kernelModule(let module):
      return ["kind": .string("kernel_module"), "name": .string(module.name)]
    case .sysctl(let sysctl):
      return [
        "kind": .string("sysctl"), "key": .string(sysctl.key), "value": .string(sysctl.value),
      ]
    case .service(let service):
      let scope: JSONValue =
        switch service.scope {
        case .system: .string("system")
        case .user(let user): .object(["user": .string(user)])
        }
      return [
        "kind": .string("service"), "unit": .string(service.unit),
        "unit_path": .string(service.unitPath), "wanted_by": .string(service.wantedBy),
        "scope": scope,
      ]
    case .command(let command):
      let guardValue: JSONValue =
        switch command.guard {
        case .creates(let path): .object(["creates": .string(path)])
        case .unless(let argv): .object(["unless": strings(argv)])
        }
      return [
        "kind": .string("command"), "title": .string(command.title),
        "argv": strings(command.argv), "user": command.user.map { .string($0) } ?? .null,
        "environment": .array(
          command.environment.map {
            .object(["name": .string($0.name), "value": .string($0.value)])
          }),
        "guard": guardValue,
      ]
    }
  }

  // MARK: Text

  /// The plan for people: one section per kind, resources in Plan order, one line each (a
  /// second, indented line where there is more to say).
  public static func text(_ plan: Plan) -> String {
    let arches = plan.arches.map(\.rawValue).joinedUTF8(separator: ", ")
    var out =
      "Plan for \(plan.name.map { "node \(flat($0))" } ?? "the node") ("
      + (plan.detectsArch ? "arch detected on the node: \(arches)" : arches) + "), "
      + "\(plan.resources.count) steps in this order:\n"
    for section in Section.allCases {
      let members = plan.resources.enumerated().filter { section.holds($0.element.kind) }
      guard !members.isEmpty else { continue }
      out += "\n\(section.title):\n"
      for (index, resource) in members {
        out += "  [\(index + 1)] \(resource.id): \(describe(resource.kind))\n"
        var notes: [String] = []
        if let condition = resource.condition {
          switch condition {
          case .pathExists(let path): notes.append("only where \(flat(path)) exists")
          case .systemdRunning: notes.append("only where systemd runs")
          }
        }
        let units = restarts(resource, in: plan)
        if !units.isEmpty {
          notes.append("a change restarts \(units.map(flat).joinedUTF8(separator: ", "))")
        }
        if case .service = resource.kind {
          let by = plan.resources.filter { $0.notifies.contains(resource.id) }.map(\.id)
          notes.append(
            by.isEmpty
              ? "restarted by nothing"
              : "restarted by a change of " + by.joinedUTF8(separator: ", "))
        }
        if !notes.isEmpty { out += "      " + notes.joinedUTF8(separator: "; ") + "\n" }
      }
    }
    return out
  }

  private enum Section: CaseIterable {
    case artifacts, files, services, system
    var title: String {
      switch self {
      case .artifacts: "Downloads"
      case .files: "Files and folders"
      case .services: "Services"
      case .system: "Packages, kernel and commands"
      }
    }
    func holds(_ kind: Resource.Kind) -> Bool {
      switch kind {
      case .artifact: self == .artifacts
      case .file, .directory: self == .files
      case .service: self == .services
      case .packages, .kernelModule, .sysctl, .command: self == .system
      }
    }
  }

  private static func owner(_ owner: Ownership?) -> String {
    owner.map { "\(flat($0.user)):\(flat($0.group))" } ?? "root:root"
  }

  private static func describe(_ kind: Resource.Kind) -> String {
    switch kind {
    case .directory(let directory):
      return "folder \(flat(directory.path)) \(mode(directory.mode)) \(owner(directory.owner))"
    case .file(let file):
      let size = file.content.literalText.map { "\($0.utf8.count) bytes" }
      let what =
        file.content.isSecret
        ? "secret"
          + (file.content.parts.compactMap(\.nodeFile).isEmpty
            ? ""
            : ", read on the node from "
              + file.content.parts.compactMap(\.nodeFile).map(flat)
              .joinedUTF8(separator: ", "))
        : size ?? ""
      return "file \(flat(file.path)) \(mode(file.mode)) \(owner(file.owner)), \(what)"
    case .artifact(let artifact):
      let sources = artifact.sources.map { source in
        let check =
          switch source.check {
          case .sha256(let hex): "sha256 \(hex)"
          case .sha512(let hex): "sha512 \(hex)"
          case .published(let url): "checksum from \(flat(url))"
          case .none: "not verified"
          }
        return "\(source.arch.rawValue) from \(flat(source.url)) (\(check))"
      }
      let install =
        switch artifact.install {
        case .binary(let path, let mode): "installed as \(flat(path)) \(Self.mode(mode))"
        case .archive(let directory, .tarGz): "unpacked into \(flat(directory))"
        case .archive(let directory, let format):
          "unpacked (\(format.rawValue)) into \(flat(directory))"
        }
      return "\(flat(artifact.title)), \(install)\n      "
        + sources.joinedUTF8(separator: "\n      ")
    case .packages(let packages):
      return "packages, apt: \(packages.apt.joinedUTF8(separator: " ")); dnf: "
        + "\(packages.dnf.joinedUTF8(separator: " ")); zypper: \(packages.zypper.joinedUTF8(separator: " "))"
    case .kernelModule(let module):
      return "kernel module \(flat(module.name)) loaded"
    case .sysctl(let sysctl):
      return "sysctl \(flat(sysctl.key)) = \(flat(sysctl.value))"
    case .service(let service):
      return "\(flat(unitName(service))) from \(flat(service.unitPath)), enabled for "
        + "\(flat(service.wantedBy)) and running"
    case .command(let command):
      let guardText =
        switch command.guard {
        case .creates(let path): "unless \(flat(path)) exists"
        case .unless(let argv): "unless `\(argv.map(flat).joinedUTF8(separator: " "))` succeeds"
        }
      return "run \(flat(command.title))"
        + (command.user.map { " as \(flat($0))" } ?? "") + ", \(guardText)"
    }
  }

  /// The text on one line whatever it holds: control characters become `?`.
  private static func flat(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
  }
}
