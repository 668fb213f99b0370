import Compiler
import Spec

extension AnsibleBackend.Playbook {
  /// A release download, installed only when the stamp says something else is installed or a
  /// `provides` path is missing.
  ///
  /// The download lands in a fresh temporary folder (an `https` one through redirects to
  /// `https` only, `RedirectWalk`); `get_url` checks its sha256 before anything is installed,
  /// so a mismatch fails the play naming the file and nothing is installed.
  /// The folder is removed whatever happens. With arch detection the URL, file name, checksum
  /// and stamp are chosen from a map keyed by `nodespec_arch`.
  func artifactTasks(
    _ artifact: Artifact, resource: Resource, notify topics: [String],
    into tasks: inout [Task], diagnostics: inout Diagnostics
  ) {
    let walk = RedirectWalk(artifact)
    guard let (variables, checked) = variables(for: artifact, resource, walk, &diagnostics)
    else {
      return
    }
    let title = artifact.title
    var steps = [
      // A missing stamp is not an error: it means "not installed yet".
      Task(
        "Read the install stamp of \(title)", "ansible.builtin.slurp",
        [("src", Scalar.literal(artifact.stamp))]
      ).register("nodespec_stamp").with("failed_when", Scalar.bool(false))
    ]
    if !artifact.provides.isEmpty {
      steps.append(
        Task(
          "Check the files \(title) provides", "ansible.builtin.stat",
          [("path", Scalar.template("{{ item }}")), ("get_checksum", Scalar.bool(false))]
        ).with("loop", Scalar.list(artifact.provides)).register("nodespec_provides"))
    }
    // Drift: a file the manifest records for this artifact that is gone or holds other bytes
    // than it recorded reinstalls it.
    steps.append(
      Task(
        "Check the files the manifest records for \(title)", "ansible.builtin.stat",
        [("path", Scalar.template("{{ item[10] }}")), ("checksum_algorithm", .scalar("sha256"))]
      ).with(
        "loop",
        Scalar.template(
          "{{ nodespec_old | selectattr('0', 'eq', 'file') | selectattr('1', 'eq', nodespec_id)"
            + " | list }}")
      ).with("loop_control", .mapping([("label", Scalar.template("{{ item[10] }}"))]))
        .register("nodespec_installed"))
    let cleanup = Task(
      "Remove the download folder of \(title)", "ansible.builtin.file",
      [("path", Scalar.template("{{ nodespec_download.path }}")), ("state", .scalar("absent"))]
    ).when("nodespec_download.path is defined")
    var install: [Task] = []
    installTasks(
      artifact, resource: resource, walk, checked: checked, notify: topics, into: &install)
    steps.append(
      Task(
        block: "Download and install \(title)", install,
        rescue: Self.failureReports(title, walk), always: [cleanup]
      ).when(allOf: ["nodespec_reinstall | bool", "not ansible_check_mode"]))
    // `--check` downloads nothing (get_url and tempfile would fail or skip there): that it
    // would install is the answer, worded as the shell target's `--check` words it.
    steps.append(
      Task(
        "Report that \(title) would be installed", "ansible.builtin.debug",
        [
          (
            "msg",
            Self.expression(
              "'nodespec: would reinstall ' + nodespec_title + ': its installed files had changed'",
              "if nodespec_drifted | bool else 'nodespec: would install ' + nodespec_title")
          )
        ]
      ).changedWhen("true").notify(topics)
        .when(allOf: ["nodespec_reinstall | bool", "ansible_check_mode"]))
    // Installed already: the mode and owner the manifest recorded are put back.
    steps.append(
      Task(
        "Put back the mode and owner of the files \(title) installed", "ansible.builtin.file",
        [
          ("path", Scalar.template("{{ item.item[10] }}")),
          ("mode", Scalar.template("0{{ item.item[2] }}")),
          ("owner", Scalar.template("{{ item.item[3] }}")),
          ("group", Scalar.template("{{ item.item[4] }}")),
        ]
      ).with("loop", Self.presentFiles)
        .with("loop_control", .mapping([("label", Scalar.template("{{ item.item[10] }}"))]))
        .when("not (nodespec_reinstall | bool)"))
    tasks.append(
      Task(block: "Install \(title)", steps)
        .vars(
          [
            ("nodespec_title", Scalar.literal(title)),
            ("nodespec_id", Scalar.literal(resource.id)),
            ("nodespec_drifted", Self.drifted),
            (
              "nodespec_reinstall",
              artifact.provides.isEmpty ? Self.reinstall : Self.reinstallOrProvide
            ),
          ] + variables))
  }

  // The block's conditions: Jinja written by this backend, holding no Plan value, so made once
  // (`static let`) rather than joined again for every artifact.

  /// Files the manifest records for the artifact that are there.
  private static let present = "nodespec_installed.results | selectattr('stat.exists')"

  /// Drift: a recorded file that is gone, or holds other bytes than recorded. A symbolic
  /// link an archive holds (kata's configuration.toml) has no checksum in stat's answer; the
  /// manifest records `-` for it.
  private static let drifted = anyOf([
    "nodespec_installed.results | rejectattr('stat.exists') | list | length > 0",
    "\(present) | map(attribute='stat.checksum', default='-') | list\n    != \(present)"
      + " | map(attribute='item.5') | list",
  ])

  /// Installed when the stamp says something else is installed, or files drifted.
  private static let reinstall = anyOf([
    "(nodespec_stamp.content | default('') | b64decode) != nodespec_artifact.stamp | join(' ')",
    "nodespec_drifted | bool",
  ])

  /// `reinstall`, or a `provides` path is missing.
  private static let reinstallOrProvide = anyOf([
    "(nodespec_stamp.content | default('') | b64decode) != nodespec_artifact.stamp | join(' ')",
    "nodespec_provides.results | rejectattr('stat.exists') | list | length > 0",
    "nodespec_drifted | bool",
  ])

  /// The present files that are not symbolic links: their mode and owner are put back.
  private static let presentFiles = Scalar.template(
    "{{ \(present) | rejectattr('stat.islnk') | list }}")

  /// One condition a line, any of them.
  private static func anyOf(_ conditions: [String]) -> YAMLValue {
    .scalar(
      "{{ " + conditions.map { "(\($0))" }.joinedUTF8(separator: "\n  or ") + " }}",
      style: .literal)
  }

  /// The block variables: `nodespec_artifact` (url, file_name, checksum, stamp), straight or
  /// chosen by `nodespec_arch`; and whether any source is checked. Nil when a source is missing.
  private func variables(
    for artifact: Artifact, _ resource: Resource, _ walk: RedirectWalk?,
    _ diagnostics: inout Diagnostics
  ) -> ([(String, YAMLValue)], checked: Bool)? {
    var sources: [Artifact.Source] = []
    for arch in plan.detectsArch ? plan.arches : Array(plan.arches.prefix(1)) {
      guard let source = artifact.sources.first(where: { $0.arch == arch }) else {
        missingSource(artifact, arch: arch, resource: resource, diagnostics: &diagnostics)
        return nil
      }
      sources.append(source)
    }
    guard let first = sources.first else {
      missingSource(artifact, arch: nil, resource: resource, diagnostics: &diagnostics)
      return nil
    }
    let checked = sources.contains { $0.check != .none }
    guard plan.detectsArch else {
      return ([("nodespec_artifact", sourceValues(first, walk, &diagnostics))], checked)
    }
    let byArch = sources.map { ($0.arch.rawValue, sourceValues($0, walk, &diagnostics)) }
    return (
      [
        ("nodespec_artifact", Scalar.template("{{ nodespec_artifacts[\(Self.archVariable)] }}")),
        ("nodespec_artifacts", .mapping(byArch)),
      ], checked
    )
  }

  /// Download into a fresh folder, verify, install, stamp: run only when needed.
  private func installTasks(
    _ artifact: Artifact, resource: Resource, _ walk: RedirectWalk?, checked: Bool,
    notify topics: [String], into steps: inout [Task]
  ) {
    let title = artifact.title
    let download = "{{ nodespec_download.path }}/{{ nodespec_artifact.file_name }}"
    steps.append(
      Task(
        "Create a download folder for \(title)", "ansible.builtin.tempfile",
        [("state", .scalar("directory")), ("prefix", .scalar("nodespec."))]
      ).register("nodespec_download"))
    guard let walk else {
      // Retried like `curl --retry 3`, except a checksum mismatch: that will not heal.
      var fetch: [(String, YAMLValue)] = [
        ("url", Scalar.template("{{ nodespec_artifact.url }}")),
        ("dest", Scalar.template(download)),
        ("mode", Scalar.mode(0o600)),
      ]
      if checked {
        fetch.append(("checksum", Scalar.template("{{ nodespec_artifact.checksum }}")))
      }
      steps.append(
        Task("Download and verify \(title)", "ansible.builtin.get_url", fetch)
          .register("nodespec_fetch")
          .with(
            "until",
            Scalar.template(
              "nodespec_fetch is succeeded or 'did not match' in nodespec_fetch.msg | default('')")
          )
          .with("retries", Scalar.int(3)).with("delay", Scalar.int(2)))
      finishTasks(artifact, resource: resource, download: download, notify: topics, into: &steps)
      return
    }
    walk.tasks(title, fetching: .artifact, dest: download, into: &steps)
    if checked {
      let sums = "{{ nodespec_download.path }}/nodespec.checksums"
      if walk.publishes {
        walk.tasks(
          "the checksum file of \(title)", fetching: .checksumFile, dest: sums, into: &steps)
      }
      // get_url on the downloaded file itself: it keeps a file whose hash matches, and fails
      // with "did not match" (or "Unable to find a checksum") otherwise. It looks the hash up
      // in a checksum file by the URL's last segment, which is the artifact's file name.
      let checksum =
        walk.publishes
        ? Self.expression(
          "'sha256:file://' + nodespec_download.path + '/nodespec.checksums'",
          "if nodespec_artifact.checksum_url is defined else nodespec_artifact.checksum")
        : Scalar.template("{{ nodespec_artifact.checksum }}")
      steps.append(
        Task(
          "Verify the download of \(title)", "ansible.builtin.get_url",
          [
            ("url", Scalar.template("file://\(download)")),
            ("dest", Scalar.template(download)),
            ("checksum", checksum),
            ("mode", Scalar.mode(0o600)),
          ]))
    }
    finishTasks(artifact, resource: resource, download: download, notify: topics, into: &steps)
  }

  /// Install the verified download, then write the stamp.
  private func finishTasks(
    _ artifact: Artifact, resource: Resource, download: String, notify topics: [String],
    into steps: inout [Task]
  ) {
    let title = artifact.title
    switch artifact.install {
    case .binary(let path, let mode):
      steps.append(
        Task(
          "Install \(title) as \(path)", "ansible.builtin.copy",
          [
            ("src", Scalar.template(download)),
            ("remote_src", Scalar.bool(true)),
            ("dest", Scalar.literal(path)),
            ("mode", Scalar.mode(mode)),
            Self.owner(nil), Self.group(nil),
          ]
        ).notify(topics))
    case .archive(let directory, let format):
      var unpack: [(String, YAMLValue)] = [
        ("src", Scalar.template(download)),
        ("remote_src", Scalar.bool(true)),
        ("dest", Scalar.literal(directory)),
        // The members it installs go into the manifest.
        ("list_files", Scalar.bool(true)),
      ]
      if format == .tarXz {
        Self.xzTasks(title, into: &steps)
        // A folder that exists keeps its mode, owner and time: kata's archive, unpacked over
        // `/`, names `./` and `./opt/` (the shell target's `ns_unpack` does the same).
        unpack.append(("extra_opts", .sequence([.scalar("--no-overwrite-dir")])))
      }
      unpack.append(Self.owner(nil))
      unpack.append(Self.group(nil))
      Self.folderTasks(directory, into: &steps)
      steps.append(
        Task(
          "Unpack \(title) into \(directory)", "ansible.builtin.unarchive",
          unpack
        ).notify(topics).register(
          Self.unpackedVariable(archives.firstIndex { $0.resource.id == resource.id } ?? 0)))
    }
    // The stamp's folder is nodespec's own bookkeeping: its mode is simply enforced.
    let stampFolder =
      artifact.stamp.utf8.lastIndex(of: UInt8(ascii: "/"))
      .map { String(artifact.stamp[..<$0]) } ?? ""
    if !stampFolder.isEmpty {
      steps.append(
        Task(
          "Create folder \(stampFolder)", "ansible.builtin.file",
          [
            ("path", Scalar.literal(stampFolder)),
            ("state", .scalar("directory")),
            ("mode", Scalar.mode(0o755)),
            Self.owner(nil), Self.group(nil),
          ]))
    }
    steps.append(
      Task(
        "Record that \(title) is installed", "ansible.builtin.copy",
        [
          ("content", Scalar.template("{{ nodespec_artifact.stamp | join(' ') }}")),
          ("dest", Scalar.literal(artifact.stamp)),
          ("mode", Scalar.mode(0o644)),
          Self.owner(nil), Self.group(nil),
        ]))
  }

  /// unarchive unpacks a `.tar.xz` by running the xz program, and says only that no handler
  /// fits when it is missing: these tasks stop the run naming what to install instead.
  static func xzTasks(_ title: String, into steps: inout [Task]) {
    steps.append(
      Task(
        "Check that xz is installed to unpack \(title)", "ansible.builtin.command",
        [("argv", Scalar.list(["xz", "--version"]))]
      ).register("nodespec_xz").with("failed_when", Scalar.bool(false)).changedWhen("false"))
    steps.append(
      Task(
        "Fail when xz is missing", "ansible.builtin.fail",
        [
          (
            "msg",
            Scalar.template(
              "nodespec: cannot unpack {{ nodespec_artifact.file_name }}: xz is not installed"
                + " (install the xz-utils or xz package)")
          )
        ]
      ).when("nodespec_xz.rc != 0"))
  }

  /// How an artifact with an `https` source is downloaded. get_url follows a redirect to any
  /// scheme and has no setting against it, so one `uri` task walks the redirects itself: a loop
  /// of requests that follow none, each made only when the answer before it redirects an
  /// `https` download to `https` (what `curl --proto-redir '=https'` does for the other
  /// targets). Each loop step sees the one before it in the registered variable (Ansible sets
  /// it after every step). A `fail` then names a refused redirect, or one too many. `http://`
  /// and `file://` downloads keep the single get_url: there is no https to keep.
  struct RedirectWalk {
    /// The most redirects one download follows (GitHub's release downloads take one).
    static let maxRedirects = 5
    static let redirectStatuses = [301, 302, 303, 307, 308]
    /// The statuses as a Jinja list, and as the `uri` task's `status_code` (with 200): made
    /// once, not for each download.
    static let redirectList =
      "[" + redirectStatuses.map(String.init).joinedUTF8(separator: ", ") + "]"
    static let statusCodes = YAMLValue.sequence(([200] + redirectStatuses).map(Scalar.int))
    /// Whether some source's hash comes from a published checksum file (walked too).
    let publishes: Bool
    /// Whether every source is `https`; otherwise the walk follows an `http` start anywhere.
    let onlyHTTPS: Bool

    /// Nil when no source is `https`.
    init?(_ artifact: Artifact) {
      let https = artifact.sources.map { $0.url.lowercased().hasPrefix("https://") }
      guard https.contains(true) else { return nil }
      onlyHTTPS = !https.contains(false)
      publishes = artifact.sources.contains {
        if case .published = $0.check { return true } else { return false }
      }
    }

    /// What a walk fetches.
    enum Fetched {
      /// The artifact, from `nodespec_artifact.url`.
      case artifact
      /// Its published checksum file, from `nodespec_artifact.checksum_url` where the source
      /// names one.
      case checksumFile
    }

    /// Fetches the URL of `fetched` into `dest`, registering the steps in `nodespec_fetch`.
    /// Each request is retried like `curl --retry 3`; every step writes `dest` (a redirect's
    /// small body, then the file), with `force` so that no step sends If-Modified-Since for
    /// the file the step before it wrote.
    func tasks(_ what: String, fetching fetched: Fetched, dest: String, into steps: inout [Task]) {
      let texts =
        switch (fetched, onlyHTTPS) {
        case (.artifact, true): Texts.artifactHTTPS
        case (.artifact, false): Texts.artifact
        case (.checksumFile, true): Texts.checksumFileHTTPS
        case (.checksumFile, false): Texts.checksumFile
        }
      steps.append(
        Task(
          "Download \(what)", "ansible.builtin.uri",
          [
            ("url", texts.url),
            ("dest", Scalar.template(dest)),
            ("mode", Scalar.mode(0o600)),
            ("follow_redirects", .scalar("none")),
            ("force", Scalar.bool(true)),
            ("status_code", Self.statusCodes),
          ]
        ).register("nodespec_fetch")
          .with("until", Scalar.template("nodespec_fetch is succeeded"))
          .with("retries", Scalar.int(3)).with("delay", Scalar.int(2))
          .with("loop", Texts.hops)
          .with("loop_control", Texts.hopVariable)
          .with("when", texts.walking))
      steps.append(
        Task(
          "Refuse the redirects of \(what)", "ansible.builtin.fail",
          [("msg", texts.refusal)]
        ).vars(Texts.last).when(texts.refused))
    }

    /// The walk's URL, conditions and messages: Jinja written by this backend, holding no
    /// Plan value, so made once for each thing fetched and kind of sources, not for each
    /// download.
    struct Texts {
      /// The `uri` task's URL: the start, then where the step before it redirected to.
      let url: YAMLValue
      /// When a step runs: the first, or one after a redirect the walk follows.
      let walking: YAMLValue
      /// The message that names a refused redirect, or one too many.
      let refusal: YAMLValue
      /// When the walk ended elsewhere than at a 200.
      let refused: String

      static let artifactHTTPS = Texts(.artifact, onlyHTTPS: true)
      static let artifact = Texts(.artifact, onlyHTTPS: false)
      static let checksumFileHTTPS = Texts(.checksumFile, onlyHTTPS: true)
      static let checksumFile = Texts(.checksumFile, onlyHTTPS: false)

      static let hop = "nodespec_hop"
      static let hops = Scalar.template("{{ range(\(maxRedirects + 1)) | list }}")
      static let hopVariable = YAMLValue.mapping([("loop_var", .scalar(hop))])
      /// The answer of the last request made (the steps after it are skipped).
      static let last = [
        (
          "nodespec_last",
          Scalar.template("{{ nodespec_fetch.results | reject('skipped') | last }}")
        )
      ]

      private init(_ fetched: Fetched, onlyHTTPS: Bool) {
        let (url, condition): (String, String?) =
          switch fetched {
          case .artifact: ("nodespec_artifact.url", nil)
          case .checksumFile:
            ("nodespec_artifact.checksum_url", "nodespec_artifact.checksum_url is defined")
          }
        let hop = Self.hop
        let redirects = RedirectWalk.redirectList
        let toHTTPS = "nodespec_fetch.location | default('') is match('https://', ignorecase=true)"
        let start = "\(url) is not match('https://', ignorecase=true)"
        // One condition a line; with `condition`, the walk's own conditions are nested one
        // deeper.
        let indent = condition == nil ? "\n" : "\n  "
        let follow = [
          "nodespec_fetch is not skipped", "nodespec_fetch.status in \(redirects)",
          onlyHTTPS ? toHTTPS : "(\(toHTTPS) or \(start))",
        ].joinedUTF8(separator: indent + "  and ")
        let walking = "\(hop) == 0\(indent)or (\(follow))"
        self.walking = .scalar(
          condition.map { "\($0)\nand (\(walking))" } ?? walking, style: .literal)
        self.url = Scalar.template("{{ \(url) if \(hop) == 0 else nodespec_fetch.location }}")
        var refused =
          "nodespec_last.location | default('') is not match('https://', ignorecase=true)"
        if !onlyHTTPS { refused += " and \(url) is match('https://', ignorecase=true)" }
        self.refusal = AnsibleBackend.Playbook.expression(
          "'refused the redirect of ' + \(url) + ' to ' + nodespec_last.location | default('')",
          "+ ': an https download is redirected only to https'",
          "if \(refused)",
          "else 'more than \(maxRedirects) redirects from ' + \(url)")
        self.refused =
          condition.map { "\($0) and nodespec_last.status != 200" }
          ?? "nodespec_last.status != 200"
      }
    }
  }

  /// The rescue steps. get_url's messages name its temporary file, not the download: restate
  /// the two the contract words (mismatch, no published checksum), and name the download in
  /// any other failure (for the walk's loop, the message of the request that failed). Each is
  /// a `fail`, so the play still stops.
  private static func failureReports(_ title: String, _ walk: RedirectWalk?) -> [Task] {
    let texts = walk == nil ? Reports.get : Reports.walk
    return [
      Task(
        "Report the checksum mismatch of \(title)", "ansible.builtin.fail",
        [("msg", Reports.mismatch)]
      ).vars(Reports.hashes).when(Reports.mismatchCondition),
      Task(
        "Report the missing published checksum of \(title)", "ansible.builtin.fail",
        [("msg", texts.noChecksum)]
      ).when(Reports.noChecksumCondition),
      Task(
        "Report the failed installation of \(title)", "ansible.builtin.fail",
        [("msg", texts.failed)]
      ).vars(texts.cause),
    ]
  }

  /// The rescue steps' messages, conditions and variables: Jinja written by this backend,
  /// holding no Plan value, so made once for a download through get_url and once for the
  /// redirect walk, not for every artifact.
  private struct Reports {
    /// The missing published checksum's message.
    let noChecksum: YAMLValue
    /// The message of any other failure.
    let failed: YAMLValue
    /// The variables that message reads.
    let cause: [(String, YAMLValue)]

    static let get = Reports(walks: false)
    static let walk = Reports(walks: true)

    static let failure = "ansible_failed_result.msg | default('')"
    static let mismatch = Scalar.template(
      "nodespec: checksum mismatch for {{ nodespec_artifact.file_name }}:"
        + " expected {{ nodespec_hashes[0] }}, got {{ nodespec_hashes[1] }}")
    static let hashes = [
      (
        "nodespec_hashes",
        Scalar.template(
          "{{ \(failure) | regex_search('did not match (\\w+); it was (\\w+)', '\\1', '\\2') }}")
      )
    ]
    static let mismatchCondition = "'did not match' in \(failure)"
    static let noChecksumCondition = "'Unable to find a checksum' in \(failure)"

    init(walks: Bool) {
      let checksumFile =
        walks
        ? "nodespec_artifact.checksum_url"
        : "nodespec_artifact.checksum | regex_replace('^sha256:', '')"
      noChecksum = Scalar.template(
        "nodespec: no checksum for {{ nodespec_artifact.file_name }} in {{ \(checksumFile) }}")
      // A loop's own message is "One or more items failed": the walk names its failed
      // request's.
      let cause = walks ? "nodespec_cause" : "ansible_failed_result.msg"
      failed = Scalar.template(
        "nodespec: cannot install {{ nodespec_title }} from"
          + " {{ nodespec_artifact.file_name }}: {{ \(cause) }}")
      self.cause =
        walks
        ? [
          (
            "nodespec_cause",
            AnsibleBackend.Playbook.expression(
              "ansible_failed_result.results | default([ansible_failed_result])",
              "| selectattr('failed', 'defined') | selectattr('failed')",
              "| map(attribute='msg') | first")
          )
        ] : []
    }
  }

  /// What the tasks read from `nodespec_artifact` for one source.
  private func sourceValues(
    _ source: Artifact.Source, _ walk: RedirectWalk?, _ diagnostics: inout Diagnostics
  ) -> YAMLValue {
    var values: [(String, YAMLValue)] = [
      ("url", Scalar.literal(source.url)),
      ("file_name", Scalar.literal(source.fileName)),
    ]
    switch source.check {
    case .sha256(let hex):
      values.append(("checksum", Scalar.literal("sha256:\(hex)")))
    case .sha512(let hex):
      values.append(("checksum", Scalar.literal("sha512:\(hex)")))
    case .published(let checksumURL):
      // get_url looks the hash up by the download URL's last path segment (the file name the
      // walk saves it as); the compiler refuses a `url:` whose name differs
      // (`published-checksum-name`), for every target. The walk fetches the file itself.
      if walk == nil {
        values.append(("checksum", Scalar.literal("sha256:\(checksumURL)")))
      } else {
        values.append(("checksum_url", Scalar.literal(checksumURL)))
      }
    case .none:
      // get_url skips verification for an empty checksum.
      if plan.detectsArch { values.append(("checksum", .scalar("", style: .doubleQuoted))) }
    }
    // The stamp's exact bytes, split at spaces so that no line of the playbook grows past
    // what yamllint allows; the tasks join the words back with single spaces.
    values.append(("stamp", Scalar.list(Self.words(Artifact.stampContent(for: source)))))
    return .mapping(values)
  }

  /// The text cut at each space, empty words kept (`"a  b"` gives `a`, ``, `b`; joined with
  /// single spaces, the words give the text back). One pass over the bytes: the generic
  /// `split` on the UTF-8 view cost about 10,000 instructions for a stamp.
  static func words(_ text: String) -> [String] {
    text.withUTF8Bytes { bytes in
      var words: [String] = []
      var start = 0
      for end in 0...bytes.count where end == bytes.count || bytes[end] == UInt8(ascii: " ") {
        words.append(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        start = end + 1
      }
      return words
    }
  }

  private func missingSource(
    _ artifact: Artifact, arch: Arch?, resource: Resource, diagnostics: inout Diagnostics
  ) {
    let which = arch.map { "for \($0.rawValue)" } ?? "(the plan names no arch)"
    diagnostics.error(
      "ansible-artifact-source", "\(artifact.title) has no download \(which)",
      at: resource.origin)
  }
}
