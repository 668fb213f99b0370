import Compiler
import Spec

/// The manifest in the playbook: read at the start (drift, prune, uninstall), written at the
/// end, in the format the shell target reads and writes (`docs/plan-contract.md`, "The
/// manifest"), so that any target can converge a node another target installed.
extension AnsibleBackend.Playbook {
  /// Jinja reads the manifest's tab from this play variable: a tab in a template would make
  /// the emitter quote the whole template onto one line.
  static let tab = "nodespec_tab"

  /// A Jinja expression over several lines (a `|-` block; Jinja reads the line breaks as
  /// spaces), so that no playbook line grows past what yamllint allows.
  static func expression(_ lines: String...) -> YAMLValue {
    .scalar("{{ " + lines.joinedUTF8(separator: "\n  ") + " }}", style: .literal)
  }
  /// True when the play runs with `-e nodespec_state=absent`.
  static let uninstalling = "nodespec_state | default('present') == 'absent'"

  /// A resource's id and a path: the play's variables hold them as `[id, path]` lists.
  typealias PathOwner = (id: String, path: String)

  /// The files this plan manages that the compiler knows by path.
  var knownFiles: [PathOwner] {
    var pairs: [PathOwner] = []
    for resource in plan.resources {
      switch resource.kind {
      case .file(let file): pairs.append((resource.id, file.path))
      case .artifact(let artifact):
        if case .binary(let path, _) = artifact.install { pairs.append((resource.id, path)) }
        pairs.append((resource.id, artifact.stamp))
      default: break
      }
    }
    return pairs
  }

  /// The pairs as a list of `[id, path]` lists, made straight from the pairs (not through a
  /// `[String]` for each), and each id's scalar once for the pairs after it of the same id.
  static func list(_ pairs: [PathOwner]) -> YAMLValue {
    var items: [YAMLValue] = []
    items.reserveCapacity(pairs.count)
    var id = ("", Scalar.literal(""))
    for pair in pairs {
      if pair.id != id.0 { id = (pair.id, Scalar.literal(pair.id)) }
      items.append(.sequence([id.1, Scalar.literal(pair.path)]))
    }
    return .sequence(items)
  }

  /// The archives of a plan, in order: their install results are `nodespec_unpacked_<n>`.
  static func archives(of plan: Plan) -> [Archive] {
    plan.resources.compactMap { resource in
      guard case .artifact(let artifact) = resource.kind,
        case .archive(let directory, _) = artifact.install
      else { return nil }
      return (resource, artifact, directory)
    }
  }

  static func unpackedVariable(_ index: Int) -> String { "nodespec_unpacked_\(index)" }

  /// Folders this run may create: every ancestor of a path it writes (`/` aside), with the
  /// first resource that needs it. Those missing at the start and there at the end are
  /// recorded as created, and removed again (when empty) with the resource.
  func candidateFolders(_ knownFiles: [PathOwner]) -> [PathOwner] {
    var seen = Set<String>()
    var pairs: [PathOwner] = []
    func add(_ id: String, ancestorsOf path: String, including: Bool = false) {
      let folders = Self.folders(of: path, including: including)
      // Innermost first: the folders above one already listed are all listed too (they came
      // with it), so the first one found in `seen` ends the search, and the new ones are the
      // innermost, listed outermost first. A path below listed folders costs one lookup, not
      // one for each of its folders.
      var firstNew = folders.endIndex
      while firstNew > folders.startIndex, seen.insert(folders[firstNew - 1]).inserted {
        firstNew -= 1
      }
      for folder in folders[firstNew...] { pairs.append((id, folder)) }
    }
    for pair in knownFiles { add(pair.id, ancestorsOf: pair.path) }
    for archive in archives {
      add(archive.resource.id, ancestorsOf: archive.directory, including: true)
    }
    add("nodespec", ancestorsOf: plan.manifest)
    return pairs
  }

  /// The folders above `path`, outermost first (`/a/b/c` gives `/a`, `/a/b`), and `path`
  /// itself when `including`; empty components (`//`, a trailing `/`) are skipped.
  ///
  /// One pass over the bytes, each folder made once from a reused buffer: a split on
  /// Characters cost half a million instructions for the write-up's full setup, a generic
  /// split on bytes with `String` appends 0.3 million.
  static func folders(of path: String, including: Bool) -> [String] {
    var path = path
    return path.withUTF8 { bytes in
      let slash = UInt8(ascii: "/")
      var end = bytes.count
      while end > 0 && bytes[end - 1] == slash { end -= 1 }
      var folders: [String] = []
      var folder: [UInt8] = []
      folder.reserveCapacity(end + 1)
      var index = 0
      while index < end {
        guard bytes[index] != slash else {
          index += 1
          continue
        }
        let start = index
        while index < end && bytes[index] != slash { index += 1 }
        // The last component is the file itself, not a folder, unless asked for.
        if index == end && !including { break }
        folder.append(slash)
        folder.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        folders.append(String(decoding: folder, as: UTF8.self))
      }
      return folders
    }
  }

  /// Play variables: the previous manifest parsed into field lists, what this plan manages.
  var manifestVariables: [(String, YAMLValue)] {
    let known = knownFiles
    var all = [
      "nodespec_known_files"
    ]
    var variables: [(String, YAMLValue)] = [
      ("nodespec_manifest", Scalar.literal(plan.manifest)),
      ("nodespec_tab", .scalar("\t", style: .doubleQuoted)),
      (
        "nodespec_old",
        Self.expression(
          "(nodespec_manifest_read.content | default('') | b64decode).splitlines()",
          "| reject('match', '#') | map('split', nodespec_tab) | list")
      ),
      ("nodespec_ids", Scalar.list(plan.resources.map(\.id) + ["nodespec"])),
      ("nodespec_known_files", Self.list(known)),
    ]
    for (index, archive) in archives.enumerated() {
      let name = "nodespec_archive_files_\(index)"
      all.append(name)
      var directory = archive.directory
      while directory.hasSuffix("/") { directory.removeLast() }
      // Unpacked this run: the members it listed (folders aside). Otherwise what the
      // manifest recorded for it, or, installed by a nodespec without a manifest, what it
      // provides.
      let unpacked = Self.unpackedVariable(index)
      variables.append(
        (
          "nodespec_archive_\(index)",
          .mapping([
            ("id", Scalar.literal(archive.resource.id)),
            ("folder", Scalar.literal(directory + "/")),
            ("provides", Scalar.list(archive.artifact.provides)),
            ("stamp", Scalar.literal(archive.artifact.stamp)),
          ])
        ))
      variables.append(
        (
          name,
          Self.expression(
            "((\(unpacked).files",
            "  | map('regex_replace', '^(\\./)?', nodespec_archive_\(index).folder)",
            "  | reject('search', '/$') | list)",
            " if \(unpacked).files is defined",
            " else ((nodespec_old | selectattr('0', 'eq', 'file')",
            "  | selectattr('1', 'eq', nodespec_archive_\(index).id) | map(attribute='10')",
            "  | reject('eq', nodespec_archive_\(index).stamp) | list)",
            "  or nodespec_archive_\(index).provides))",
            "| map('regex_replace', '^', nodespec_archive_\(index).id + nodespec_tab)",
            "| map('split', nodespec_tab) | list")
        ))
    }
    variables.append(
      (
        "nodespec_managed",
        .scalar("{{ " + all.joinedUTF8(separator: "\n  + ") + " }}", style: .literal)
      ))
    let services = plan.resources.compactMap { resource -> [String]? in
      guard case .service(let service) = resource.kind else { return nil }
      var user = "-"
      if case .user(let name) = service.scope { user = name }
      return [resource.id, user, service.unit, service.wantedBy, service.unitPath]
    }
    variables += [
      ("nodespec_services", .sequence(services.map(Scalar.list))),
      ("nodespec_folders", Self.list(candidateFolders(known))),
    ]
    return variables
  }

  /// The first tasks: read the manifest and which candidate folders exist; with
  /// `nodespec_state=absent`, remove everything the manifest names and end the play.
  func manifestReadTasks(into tasks: inout [Task]) {
    // A missing manifest is not an error: nothing was installed yet.
    tasks.append(
      Task(
        "Read the manifest of what nodespec manages here", "ansible.builtin.slurp",
        [("src", Scalar.template("{{ nodespec_manifest }}"))]
      ).register("nodespec_manifest_read").with("failed_when", Scalar.bool(false)).secret())
    tasks.append(
      Task(
        "Check which folders nodespec may create already exist", "ansible.builtin.stat",
        [("path", Scalar.template("{{ item[1] }}")), ("get_checksum", Scalar.bool(false))]
      ).with("loop", Scalar.template("{{ nodespec_folders }}"))
        .with("loop_control", .mapping([("label", Scalar.template("{{ item[1] }}"))]))
        .register("nodespec_folders_before"))
    var then = [
      Task(
        "Remove the manifest", "ansible.builtin.file",
        [("path", Scalar.template("{{ nodespec_manifest }}")), ("state", .scalar("absent"))]
      )
    ]
    purgeTasks(into: &then)
    var uninstall: [Task] = []
    pruneTasks(.everything, then: then, into: &uninstall)
    tasks.append(
      Task(block: "Uninstall: remove everything the manifest names", uninstall)
        .when(Self.uninstalling))
    tasks.append(
      Task("Stop after the uninstall", "ansible.builtin.meta", freeForm: "end_host")
        .when(Self.uninstalling))
  }

  /// With `-e nodespec_purge=true`, the uninstall also removes the runtimes' data folders
  /// (`Plan.purge`), as the shell's `--uninstall --purge` does: what is on their own file
  /// system goes (`find -xdev`), mounts below them stay, and a folder that is a mount point
  /// itself is emptied and kept.
  func purgeTasks(into tasks: inout [Task]) {
    guard !plan.purge.isEmpty else { return }
    let purging = "nodespec_purge | default(false) | bool"
    let label = YAMLValue.mapping([("label", Scalar.template("nodespec: removed {{ item }}"))])
    tasks.append(
      Task(
        "Empty the data folders of the runtimes", "ansible.builtin.command",
        [
          (
            "argv",
            .sequence(
              ["find", "{{ item }}", "-xdev", "-mindepth", "1", "-delete"].map {
                $0.hasPrefix("{{") ? Scalar.template($0) : .scalar($0)
              })
          ),
          ("removes", Scalar.template("{{ item }}")),
        ]
      ).with("loop", Scalar.list(plan.purge)).with("loop_control", label).when(purging))
    tasks.append(
      Task(
        "Remove the data folders of the runtimes unless they are mount points",
        "ansible.builtin.command",
        [("argv", .sequence([.scalar("rmdir"), .scalar("--"), Scalar.template("{{ item }}")]))]
      ).with("loop", Scalar.list(plan.purge))
        .register("nodespec_purged").with("failed_when", Scalar.bool(false))
        .changedWhen("nodespec_purged.rc == 0").when(purging))
  }

  /// What a prune removes: the services, files and folders of the previous manifest that
  /// the kept file paths, units and resource ids (Jinja expressions) do not name, as the
  /// `loop:`s of its tasks. Made once (they hold no Plan value), not for every playbook.
  struct Gone {
    let services: YAMLValue
    let files: YAMLValue
    let folders: YAMLValue

    /// Everything the manifest names (the uninstall).
    static let everything = Gone(keepingFiles: "[]", units: "[]", ids: "[]")
    /// What this plan no longer manages.
    static let unmanaged = Gone(
      keepingFiles: "(nodespec_managed | map(attribute='1') | list)",
      units: "(nodespec_services | map(attribute='2') | list)",
      ids: "nodespec_ids")

    private init(keepingFiles files: String, units: String, ids: String) {
      services = AnsibleBackend.Playbook.expression(
        "nodespec_old | selectattr('0', 'eq', 'service') | selectattr('2', 'eq', '-')",
        "| rejectattr('3', 'in', \(units)) | list")
      self.files = AnsibleBackend.Playbook.expression(
        "nodespec_old | selectattr('0', 'eq', 'file') | map(attribute='10')",
        "| reject('in', \(files)) | list")
      folders = AnsibleBackend.Playbook.expression(
        "nodespec_old | selectattr('0', 'eq', 'dir') | rejectattr('1', 'in', \(ids))",
        "| map(attribute='2') | sort(reverse=true) | list")
    }
  }

  /// Removes what `gone` names. Services are stopped and disabled before their unit goes;
  /// folders go only when empty. `then` runs after the files went, before the folders go.
  func pruneTasks(_ gone: Gone, then: [Task] = [], into tasks: inout [Task]) {
    let goneServices = gone.services
    let goneFiles = gone.files
    let goneFolders = gone.folders
    let label: (String) -> YAMLValue = {
      .mapping([("label", Scalar.template("nodespec: removed {{ \($0) }}"))])
    }
    tasks.append(
      Task(
        "Stop and disable the services the spec no longer names",
        "ansible.builtin.systemd_service",
        [
          ("name", Scalar.template("{{ item[3] }}")), ("state", .scalar("stopped")),
          ("enabled", Scalar.bool(false)),
        ]
      ).with("loop", goneServices)
        .with("loop_control", .mapping([("label", Scalar.template("{{ item[3] }}"))]))
        .register("nodespec_gone_services").when(Self.systemdRunning))
    tasks.append(
      Task(
        "Disable the services the spec no longer names", "ansible.builtin.file",
        [
          (
            "path",
            Scalar.template("/etc/systemd/system/{{ item[4] }}.wants/{{ item[3] }}")
          ),
          ("state", .scalar("absent")),
        ]
      ).with("loop", goneServices)
        .with("loop_control", .mapping([("label", Scalar.template("{{ item[3] }}"))]))
        .when("not (\(Self.systemdRunning))"))
    tasks.append(
      Task(
        "Remove the files the spec no longer names", "ansible.builtin.file",
        [("path", Scalar.template("{{ item }}")), ("state", .scalar("absent"))]
      ).with("loop", goneFiles).with("loop_control", label("item")))
    tasks.append(
      Task(
        "Reload systemd after removing units", "ansible.builtin.systemd_service",
        [("daemon_reload", Scalar.bool(true))]
      ).when(allOf: [Self.systemdRunning, "nodespec_gone_services is changed"]))
    tasks += then
    tasks.append(
      Task(
        "Remove the folders nodespec created for what the spec no longer names, when empty",
        "ansible.builtin.command",
        [("argv", .sequence([.scalar("rmdir"), .scalar("--"), Scalar.template("{{ item }}")]))]
      ).with("loop", goneFolders)
        .with("loop_control", label("item"))
        .register("nodespec_rmdir").with("failed_when", Scalar.bool(false))
        .changedWhen("nodespec_rmdir.rc == 0"))
  }

  /// The manifest's template: Jinja written by this backend, holding no Plan value, made
  /// once.
  private static let manifestContent: YAMLValue = {
    let removed =
      "nodespec_rmdir.results | default([]) | selectattr('rc', 'defined')"
      + " | selectattr('rc', 'eq', 0) | map(attribute='item') | list"
    // One `{{ [...] | join(nodespec_tab) }}` a manifest line; `-%}` eats the line break after
    // each block tag, so that only the lines' own breaks reach the file.
    let content = [
      "# nodespec manifest 1",
      "{% for r in nodespec_facts.results if r.stat.exists -%}",
      "{{ ['file', r.item[0], '%o' % (r.stat.mode | int(base=8)),",
      "    r.stat.pw_name | default(r.stat.uid), r.stat.gr_name | default(r.stat.gid),",
      "    r.stat.checksum | default('-'), r.stat.size,",
      "    '%.9f' % r.stat.mtime, '%.9f' % r.stat.ctime, r.stat.inode, r.item[1]]",
      "   | join(nodespec_tab) }}",
      "{% endfor -%}",
      "{% set removed = \(removed) -%}",
      "{% for d in nodespec_old if d[0] == 'dir' and d[2] not in removed -%}",
      "{{ d[:3] | join(nodespec_tab) }}",
      "{% endfor -%}",
      "{% set known = nodespec_old | selectattr('0', 'eq', 'dir') | map(attribute='2') | list -%}",
      "{% for r in nodespec_folders_after.results -%}",
      "{% if r.stat.isdir | default(false) and r.item[1] not in known",
      "   and not nodespec_folders_before.results[loop.index0].stat.exists -%}",
      "{{ ['dir', r.item[0], r.item[1]] | join(nodespec_tab) }}",
      "{% endif -%}",
      "{% endfor -%}",
      "{% for s in nodespec_services -%}",
      "{{ (['service'] + s) | join(nodespec_tab) }}",
      "{% endfor -%}",
    ].joinedUTF8(separator: "\n")
    return .scalar(content + "\n", style: .literal)
  }()

  /// The last tasks: prune, then record what this run manages.
  func manifestWriteTasks(into tasks: inout [Task]) {
    // On bytes: a split on Characters and `"/" + $0` cost 0.2 M instructions, most of it the
    // runtime's first use of the generic append of Characters.
    let folder = Self.folders(of: plan.manifest, including: false).last ?? ""
    pruneTasks(.unmanaged, into: &tasks)
    Self.folderTasks(folder, into: &tasks)
    tasks.append(
      Task(
        "Read the facts of the files nodespec manages", "ansible.builtin.stat",
        [
          ("path", Scalar.template("{{ item[1] }}")),
          ("checksum_algorithm", .scalar("sha256")),
        ]
      ).with("loop", Scalar.template("{{ nodespec_managed }}"))
        .with("loop_control", .mapping([("label", Scalar.template("{{ item[1] }}"))]))
        .register("nodespec_facts"))
    tasks.append(
      Task(
        "Check which folders nodespec may have created", "ansible.builtin.stat",
        [("path", Scalar.template("{{ item[1] }}")), ("get_checksum", Scalar.bool(false))]
      ).with("loop", Scalar.template("{{ nodespec_folders }}"))
        .with("loop_control", .mapping([("label", Scalar.template("{{ item[1] }}"))]))
        .register("nodespec_folders_after"))
    tasks.append(
      Task(
        "Record what nodespec manages here", "ansible.builtin.copy",
        [
          ("content", Self.manifestContent),
          ("dest", Scalar.template("{{ nodespec_manifest }}")),
          ("mode", Scalar.mode(0o600)),
          Self.owner(nil), Self.group(nil),
        ]))
  }
}
