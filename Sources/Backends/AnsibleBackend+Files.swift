import Compiler
import Spec

extension AnsibleBackend.Playbook {
  typealias Task = AnsibleBackend.Task
  typealias Scalar = AnsibleBackend.Scalar

  /// `owner:` and `group:` for an ownership; nil means root:root, set explicitly so that a
  /// file someone chowned is put back.
  static func ownership(_ owner: Ownership?) -> [(String, YAMLValue)] {
    [Self.owner(owner), Self.group(owner)]
  }

  /// `owner:` alone, to write into an argument list (`ownership`'s array, joined with `+`,
  /// cost two arrays more for each task).
  static func owner(_ owner: Ownership?) -> (String, YAMLValue) {
    ("owner", owner.map { Scalar.literal($0.user) } ?? root)
  }

  /// `group:` alone, as `owner`.
  static func group(_ owner: Ownership?) -> (String, YAMLValue) {
    ("group", owner.map { Scalar.literal($0.group) } ?? root)
  }

  /// `root`, checked once rather than for every task.
  private static let root = Scalar.literal("root")

  /// A task on a folder or file a user owns, run as that user (`become_user`): it writes with
  /// that user's rights alone, so a symlink the user planted in their home (`~/.config ->
  /// /etc`) leads nowhere root could go; an owner or mode it cannot set fails the run.
  static func asOwner(_ owner: Ownership?, _ task: consuming Task) -> Task {
    guard let owner else { return task }
    return becoming(owner.user, task)
  }

  /// `task` run as `user`: through `su` (root needs no password, and every Linux has it,
  /// unlike sudo), with `/bin/sh` as the shell, so that an account whose login shell is
  /// `nologin` works too. `become: true` beside it, so the task does not depend on the play's.
  static func becoming(_ user: String, _ task: consuming Task) -> Task {
    task.with("become", Scalar.bool(true)).with("become_user", Scalar.literal(user))
      .with("become_method", .scalar("ansible.builtin.su"))
      .with("become_flags", .scalar("-s /bin/sh"))
  }

  /// A directory: created with parents when missing, mode and owner set when they differ.
  mutating func directoryTask(_ directory: Directory) -> Task {
    ensuredFolders.insert(directory.path)
    let task = Task(
      "Create directory \(directory.path)", "ansible.builtin.file",
      [
        ("path", Scalar.literal(directory.path)),
        ("state", .scalar("directory")),
        ("mode", Scalar.mode(directory.mode)),
        Self.owner(directory.owner), Self.group(directory.owner),
      ])
    return Self.asOwner(directory.owner, task)
  }

  /// A file with exact bytes. `copy` writes through a temporary file in the same folder and
  /// a rename, only when bytes, mode or owner differ.
  ///
  /// `copy` does not create the folder it writes into, and the contract wants it created
  /// (0755, root) only when missing, never re-moded: a stat and a guarded `file` do that,
  /// unless an earlier resource already made that folder.
  ///
  /// Content with `.secretFile` parts is assembled on the node: each secret file is checked
  /// (so a missing one is named, which `no_log` would hide), read with `slurp`, and joined
  /// with the literal parts, which reach the template only through `!unsafe` variables.
  mutating func fileTasks(_ file: File, notify topics: [String], into tasks: inout [Task]) {
    /// The `copy` module's arguments: the content, where and how it is written.
    func copy(_ content: YAMLValue) -> [(String, YAMLValue)] {
      [
        ("content", content), ("dest", Scalar.literal(file.path)),
        ("mode", Scalar.mode(file.mode)), Self.owner(file.owner), Self.group(file.owner),
      ]
    }
    let name = "Write \(file.path)"
    var steps: [Task] = []
    parentTasks(of: file.path, owner: file.owner, into: &steps)

    if let text = file.content.literalText {
      let write = Self.asOwner(
        file.owner,
        Task(
          name, "ansible.builtin.copy",
          copy(Scalar.content(text))
        )
        .notify(topics).secret(file.content.isSecret))
      if steps.isEmpty {
        tasks.append(write)
      } else {
        steps.append(write)
        tasks.append(Task(block: name, steps))
      }
      return
    }

    var template = ""
    var textVariables: [(String, YAMLValue)] = []
    for (index, part) in file.content.parts.enumerated() {
      switch part {
      case .text(let text):
        // A list of lines, each keeping its line break: a part often ends mid-line with a
        // space (`Authorization = "Basic `), which a literal block cannot hold, and one
        // escaped string would make a line longer than yamllint allows.
        let variable = "nodespec_text_\(index)"
        textVariables.append((variable, Scalar.list(Self.lines(text))))
        template += "{{ \(variable) | join('') }}"
      case .secretFile(let path), .escapedSecretFile(let path, _):
        let variable = "nodespec_secret_\(index)"
        steps.append(
          Task(
            "Check that secret file \(path) exists", "ansible.builtin.stat",
            [
              ("path", Scalar.literal(path)),
              ("get_checksum", Scalar.bool(false)),
            ]
          ).register("nodespec_secret_file"))
        steps.append(
          Task(
            "Fail when secret file \(path) is missing", "ansible.builtin.fail",
            [
              ("msg", Scalar.literal("nodespec: secret file \(path) is missing"))
            ]
          ).when("not nodespec_secret_file.stat.exists"))
        steps.append(
          Task(
            "Read secret file \(path)", "ansible.builtin.slurp",
            [
              ("src", Scalar.literal(path))
            ]
          ).register(variable).secret())
        // The node file's content minus one trailing newline, as the contract says. The
        // Jinja string holds a real line break (YAML escapes it): Ansible's Jinja does not
        // turn a backslash-n in a string literal into one.
        let content = "(\(variable).content | b64decode).removesuffix('\n')"
        guard case .escapedSecretFile(_, let escaping) = part else {
          template += "{{ \(content) }}"
          continue
        }
        // As the shell target: refuse what a TOML basic string cannot hold unescaped (a line
        // break before the last byte, other controls but tab, and the surrogates b64decode
        // uses for bytes that are not UTF-8), then escape the rest. JSON escapes `\`, `"`
        // and tab exactly as TOML does; the quotes it adds go. A basic-auth credential is
        // refused alike and then base64-encoded after its user name and `:`.
        let refused = #"[\x00-\x08\x0b-\x1f\x7f\udc80-\udcff]|\n(?!\Z)"#
        steps.append(
          Task(
            "Fail when secret file \(path) cannot go into a TOML string", "ansible.builtin.fail",
            [
              (
                "msg",
                Scalar.literal(
                  "nodespec: secret file \(path) holds a line break, control character or "
                    + "non-UTF-8 byte")
              )
            ]
          ).when("\(variable).content | b64decode is search('\(refused)')"))
        let body = "\(variable)_toml"
        switch escaping {
        case .tomlBasicString:
          textVariables.append(
            (body, Scalar.template("{{ (\(content) | to_json(ensure_ascii=False))[1:-1] }}")))
        case .basicAuth(let username):
          // The user name reaches Jinja only as an `!unsafe` variable.
          let user = "\(variable)_user"
          textVariables.append((user, Scalar.literal(username + ":")))
          textVariables.append(
            (body, Scalar.template("{{ (\(user) ~ \(content)) | b64encode }}")))
        }
        template += "{{ \(body) }}"
      }
    }
    // The secret files are read as root (above); the result is written as the file's owner.
    steps.append(
      Self.asOwner(
        file.owner,
        Task(name, "ansible.builtin.copy", copy(Scalar.template(template)))
          .vars(textVariables).notify(topics).secret()))
    tasks.append(Task(block: name, steps))
  }

  /// Creates the folder a file goes into when it is missing, unless an earlier resource of
  /// the playbook already did.
  private mutating func parentTasks(
    of path: String, owner: Ownership?, into steps: inout [Task]
  ) {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return }
    let folder = String(path[..<slash])
    guard !folder.isEmpty, ensuredFolders.insert(folder).inserted else { return }
    Self.folderTasks(folder, owner: owner, into: &steps)
  }

  /// Creates a folder (and its parents: 0755, root, or as and for `owner`) only when it is
  /// missing: an existing one keeps its mode and owner.
  static func folderTasks(
    _ folder: String, owner: Ownership? = nil, into steps: inout [Task]
  ) {
    steps.append(
      asOwner(
        owner,
        Task(
          "Check whether folder \(folder) exists", "ansible.builtin.stat",
          [("path", Scalar.literal(folder)), ("get_checksum", Scalar.bool(false))]
        ).register("nodespec_folder")))
    steps.append(
      asOwner(
        owner,
        Task(
          "Create folder \(folder)", "ansible.builtin.file",
          [
            ("path", Scalar.literal(folder)),
            ("state", .scalar("directory")),
            ("mode", Scalar.mode(0o755)),
            Self.owner(owner), Self.group(owner),
          ]
        ).when("not nodespec_folder.stat.exists")))
  }

  /// The text cut after each line break; joined, the pieces give the text back.
  static func lines(_ text: String) -> [String] {
    var lines: [String] = []
    var current = ""
    for character in text {
      current.append(character)
      if character == "\n" || character == "\r\n" {
        lines.append(current)
        current = ""
      }
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
  }
}
