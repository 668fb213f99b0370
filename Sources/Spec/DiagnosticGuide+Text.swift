// generated from docs/diagnostics.md by DiagnosticGuideTests, do not edit.
// After editing the page: NODESPEC_RECORD=1 swift test --filter DiagnosticGuideTests

extension DiagnosticGuide {
  static let entries: [Entry] = [
    Entry(
      id: "too-large",
      text: #"""
        too-large

        *error*: the file is over 1 MiB (the command line refuses anything over 8 MiB before
        reading it to the end).

            $ nodespec validate /var/log/syslog
            /var/log/syslog: error: the spec is 3145728 bytes; the limit is 1048576 [too-large]

        Fix: a node spec is a few kilobytes; check that you named the right file.

        """#),
    Entry(
      id: "binary-input",
      text: #"""
        binary-input

        *error*: the file holds a NUL byte: binary data, or text saved as UTF-16.

            $ nodespec validate node.yaml.gz
            node.yaml.gz:1:12: error: the spec contains a NUL byte; it looks like binary data, not YAML [binary-input]

        Fix: name the YAML file itself; save it as UTF-8.

        """#),
    Entry(
      id: "invalid-utf8",
      text: #"""
        invalid-utf8

        *error*: the file is not UTF-8; the position is the first bad byte.

            name: caf\xe9    # Latin-1 é

        Fix: save the file as UTF-8.

        """#),
    Entry(
      id: "control-character",
      text: #"""
        control-character

        *error*: a raw control character in the file, or one written as an escape inside a value
        (`"\t"`, `"\x1b"`). Values end up in shell scripts and config files run as root.

            name: "build\x1b[2J"

        Fix: spec values are single-line text; remove the character.

        """#),
    Entry(
      id: "yaml-syntax",
      text: #"""
        yaml-syntax

        *error*: libyaml cannot parse the file. Its context ("while parsing a flow sequence") is a
        note at the place the construct started.

            registries:
              docker.io:
                mirrors: [https://mirror.example.com

        Fix: close the bracket or quote the diagnostic points at; the note shows where it opened.

        """#),
    Entry(
      id: "yaml-tab",
      text: #"""
        yaml-tab

        *error*: a tab is used for indentation; YAML indents with spaces only.

            components:
            →containerd: 2.0.0      # → is a tab

        Fix: indent with spaces (two per level, as in the examples).

        """#),
    Entry(
      id: "empty-spec",
      text: #"""
        empty-spec

        *error*: the file holds no document, or an empty one.

            # nothing but comments

        Fix: start the spec with `nodespec: 1`, then the components (see `examples/minimal.yaml`).

        """#),
    Entry(
      id: "multiple-documents",
      text: #"""
        multiple-documents

        *error*: a second YAML document (`---`) in the file; a spec is one document.

            nodespec: 1
            ---
            nodespec: 1

        Fix: remove the `---` line, or split the file into one spec per node.

        """#),
    Entry(
      id: "too-deep",
      text: #"""
        too-deep

        *error*: nesting deeper than 64 levels.

            a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]

        Fix: a spec needs a handful of levels; check that this is the right file.

        """#),
    Entry(
      id: "alias-limit",
      text: #"""
        alias-limit

        *error*: aliases expand to more than 10,000 nodes (the "billion laughs" attack).

            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]

        Fix: write the values out; a spec this size needs no aliases.

        """#),
    Entry(
      id: "undefined-alias",
      text: #"""
        undefined-alias

        *error*: `*name` without an `&name` before it.

            registries:
              docker.io:
                mirrors: *mirrors

        Fix: define the anchor first (`mirrors: &mirrors [...]`), or write the value.

        """#),
    Entry(
      id: "duplicate-key",
      text: #"""
        duplicate-key

        *error*: a key appears twice in one mapping; YAML would keep only one of them. A note points
        at the first.

            components:
              runc: 1.2.4
              runc: 1.2.5

        Fix: remove one of them.

        """#),
    Entry(
      id: "merge-key-unsupported",
      text: #"""
        merge-key-unsupported

        *error*: a `<<` merge key.

            defaults: &defaults {verify: pinned}
            downloads:
              <<: *defaults

        Fix: write the keys out; a spec should read the same to people and tools.

        """#),
    Entry(
      id: "non-scalar-key",
      text: #"""
        non-scalar-key

        *error*: a sequence or a mapping used as a key.

            components:
              [containerd, runc]: 2.0.0

        Fix: one key per component, each a plain word.

        """#),
    Entry(
      id: "invisible-character",
      text: #"""
        invisible-character

        *error*: a character that people and tools see differently, anywhere in the file, comments
        included: NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029), which end a
        line for YAML but not in editors and diffs; C1 controls; format characters such as bidi
        controls (U+202A–U+202E, U+2066–U+2069) and zero-width spaces; a byte order mark after the
        start. The message names it.

            # mirror: none<U+0085>downloads: {mirror: https://evil.example/gh}
            node.yaml:1:15: error: the spec contains U+0085 NEXT LINE, which editors and reviews do not show as what YAML reads [invisible-character]

        Fix: remove it; a spec is plain visible text. Where a value needs such a character, it does not
        belong in a node spec.

        """#),
    Entry(
      id: "key-too-long",
      text: #"""
        key-too-long

        *error*: a key longer than 1024 characters, libyaml's limit for a simple key; reported at the
        key's start (libyaml itself would say only "could not find expected ':'").

            registries:
              aaaaaaaa…(2,000 characters)…aaaa.example.com: {mirrors: [https://m.example.com]}

        Fix: keys are the format's own words (`components`, `registries`, …) or registry host names;
        shorten it.

        """#),
    Entry(
      id: "invalid-extends",
      text: #"""
        invalid-extends

        *error*: an `extends` entry that cannot name a base: an absolute path (or one starting with
        `~`), a name that does not end in `.yaml` or `.yml`, an empty one, or any entry of a spec
        read from standard input (it has no folder to be relative to).

            nodespec: 1
            extends: [/etc/nodespec/base.yaml]

        Fix: name the base relative to the file that extends it (`../base.yaml`); `..` is allowed.
        Compile a spec that extends others by its path, not through `-`.

        """#),
    Entry(
      id: "extends-unreadable",
      text: #"""
        extends-unreadable

        *error*: the base an `extends` entry names cannot be read: it does not exist, is not a
        regular file, or is not readable.

            nodespec: 1
            extends: [../bsae.yaml]
            # node.yaml:2:11: error: cannot read `../bsae.yaml`: No such file or directory [extends-unreadable]

        Fix: the path is relative to the folder of the file that names it, not to the working
        directory.

        """#),
    Entry(
      id: "extends-cycle",
      text: #"""
        extends-cycle

        *error*: a base extends, directly or through its own bases, a file that extends it.

            # a.yaml                      # b.yaml
            nodespec: 1                   nodespec: 1
            extends: [b.yaml]             extends: [a.yaml]

        Fix: bases form a tree; remove one of the entries (move what both need into a third base).

        """#),
    Entry(
      id: "extends-too-deep",
      text: #"""
        extends-too-deep

        *error*: a chain of `extends` longer than 8 levels (the spec's own bases are level 1, theirs
        level 2, and so on). Reported at the entry that would be level 9.

            # d0.yaml extends d1.yaml, which extends d2.yaml, ... d8.yaml:
            nodespec: 1
            extends: d9.yaml      # d8.yaml:2:10: error: `d9.yaml` would be level 9 of `extends` [extends-too-deep]

        Fix: fold some bases into one; a fleet needs a common base and a site base or two.

        """#),
    Entry(
      id: "extends-too-many",
      text: #"""
        extends-too-many

        *error*: a spec read from more than 64 files in all (bases and `--set`s).

            nodespec: 1
            extends: [b01.yaml, b02.yaml, …, b70.yaml]

        Fix: fold some bases into one.

        """#),
    Entry(
      id: "invalid-set",
      text: #"""
        invalid-set

        *error*: a `--set PATH=VALUE` that cannot be applied: an empty key in PATH (`a..b`, a
        trailing `.`), a quote not closed, a key with a control character, or a VALUE that is a block
        collection (`--set 'name=a: b'`, which YAML reads as a mapping).

            $ nodespec validate node.yaml --set 'components..containerd=2.1.1'
            --set components..containerd:1:12: error: a `--set` path has an empty key [invalid-set]

        Fix: PATH is the spec's keys joined by `.` (`components.containerd`); quote a key holding a
        dot (`registries."docker.io".server=https://mirror.example`); quote a VALUE holding `: `
        (`--set 'name="a: b"'`).

        """#),
    Entry(
      id: "unknown-key",
      text: #"""
        unknown-key

        *error*: a key the format does not have at this place. The hint names the key it most
        likely meant, says where a key written at the wrong indentation belongs, or lists the keys
        allowed here.

            nodespec: 1
            containerd: 2.0.0      # belongs under `components`

        Fix: correct the spelling or the indentation; `docs/spec.md` lists every key.

        """#),
    Entry(
      id: "unsupported-tag",
      text: #"""
        unsupported-tag

        *error*: a tag other than YAML's core `!!` tags, such as `!vault` or `!env`. Another tool
        would give it a meaning; nodespec would silently not.

            name: !env NODE_NAME

        Fix: remove the tag; values are typed by their key. Secrets for mirror headers come from
        `{env: VAR}` or `{file: /path}`.

        """#),
    Entry(
      id: "type-mismatch",
      text: #"""
        type-mismatch

        *error*: a value of the wrong kind: a sequence where a mapping belongs, nothing where a
        string belongs.

            components: [containerd, runc]

        Fix: write the kind the message expects (`components:` is a mapping of name to version).

        """#),
    Entry(
      id: "missing-key",
      text: #"""
        missing-key

        *error*: a required key is missing: `nodespec` at the top, a component's `version`, a
        mirror's `url`, or `env`/`file` in a header value.

            components:
              containerd: {static: true}

        Fix: add it, e.g. `containerd: {version: 2.0.0, static: true}`; a spec starts with
        `nodespec: 1`.

        """#),
    Entry(
      id: "invalid-value",
      text: #"""
        invalid-value

        *error*: a word outside its set (the hint lists the allowed ones), a format version other
        than 1, an empty `capabilities`, a client pair that is not two paths, a header value with
        both `env` and `file`, or an `accept` entry that is not an id.

            arch: x86_64           # write amd64 (the Go name)
            mode: rootles          # did you mean rootless?

        Fix: use one of the values the hint lists.

        """#),
    Entry(
      id: "not-a-boolean",
      text: #"""
        not-a-boolean

        *error*: a boolean other than `true` or `false`. `yes`, `on` and `1` are YAML 1.1 guesses
        that this format does not make.

            kubernetes:
              prerequisites: yes

        Fix: write `true` or `false`.

        """#),
    Entry(
      id: "invalid-version",
      text: #"""
        invalid-version

        *error*: a version that is not digits and dots with an optional `-suffix`.

            components:
              nerdctl: latest

        Fix: pin a release, as in `nerdctl: 2.0.2`; `nodespec catalog nerdctl` lists the ones the
        catalog knows.

        """#),
    Entry(
      id: "version-prefix",
      text: #"""
        version-prefix

        *warning*: a version written with a leading `v`; it is dropped.

            components:
              runc: v1.2.4

        Fix: write `runc: 1.2.4`.

        """#),
    Entry(
      id: "invalid-sha256",
      text: #"""
        invalid-sha256

        *error*: a `sha256:` that is not 64 hexadecimal digits.

            components:
              buildkit: {version: 0.18.1, sha256: 02b98656}

        Fix: copy the whole checksum from `sha256sum FILE` or the release page.

        """#),
    Entry(
      id: "invalid-url",
      text: #"""
        invalid-url

        *error*: not `http(s)://host[:port][/path]` (a mirror may leave the scheme out), or a URL
        that holds credentials (`https://user:pass@host`, `https://token@host`), which would end up in
        files on the node. Credentials are reported before anything else wrong with the URL, and the
        report never shows them: the message names the URL as `https://user:****@host`, its excerpt
        is `*`s, and any other diagnostic's excerpt of that line masks the password.

            registries:
              docker.io:
                mirrors: [https://user:secret@mirror.example.com]

        Fix: write `https://host[:port][/path]`; send a registry's credentials as a mirror `header`
        taken from `{env: VAR}` or `{file: /path}`. A download (a component's, runtime's or image's
        `url`, `downloads.mirror`) sends no header: serve its file from a mirror that needs no secret,
        inside the network, or give an image as a `file:` on the node.

        """#),
    Entry(
      id: "invalid-registry-name",
      text: #"""
        invalid-registry-name

        *error*: a registry key that is not `host[:port]` or `_default`.

            registries:
              https://docker.io:
                mirrors: [https://mirror.example.com]

        Fix: name the registry by host as images do (`docker.io`, `registry.example.com:5000`).

        """#),
    Entry(
      id: "invalid-path",
      text: #"""
        invalid-path

        *error*: a path that is not absolute, or has a `..` segment.

            prefix: usr/local

        Fix: write an absolute path such as `/usr/local`.

        """#),
    Entry(
      id: "invalid-local-path",
      text: #"""
        invalid-local-path

        *error*: a `local:` path that is absolute, has a `..`, empty or `.` segment: a `local` file
        is read from the spec's own folder, and from nowhere else.

            ca: {local: /etc/ssl/certs/corp.pem}

        Fix: put the file beside the spec and name it relatively, e.g. `{local: certs/corp.pem}`; a
        file that is already on the node is `{file: /path}`.

        """#),
    Entry(
      id: "invalid-user",
      text: #"""
        invalid-user

        *error*: `user` is not a login name (`^[a-z_][a-z0-9_-]{0,31}$`).

            user: Build User

        Fix: name the existing account, e.g. `user: builder`.

        """#),
    Entry(
      id: "invalid-name",
      text: #"""
        invalid-name

        *error*: `name` is not 1 to 63 letters, digits, `.`, `_` or `-`.

            name: build node 01

        Fix: e.g. `name: build-01`.

        """#),
    Entry(
      id: "invalid-header",
      text: #"""
        invalid-header

        *error*: a mirror header name that is not an HTTP token.

            header: {"X Token": abc}

        Fix: letters, digits and ``!#$%&'*+-.^_`|~``, e.g. `X-Token`.

        """#),
    Entry(
      id: "invalid-env-name",
      text: #"""
        invalid-env-name

        *error*: an `env:` that is not a variable name.

            header: {Authorization: {env: MIRROR-TOKEN}}

        Fix: letters, digits and `_`, not starting with a digit: `MIRROR_TOKEN`.

        """#),
    Entry(
      id: "invalid-image",
      text: #"""
        invalid-image

        *error*: `sandbox_image` is not an image reference.

            kubernetes:
              sandbox_image: "pause 3.10"

        Fix: e.g. `registry.k8s.io/pause:3.10`.

        """#),
    Entry(
      id: "invalid-no-proxy",
      text: #"""
        invalid-no-proxy

        *error*: a `proxy.no_proxy` entry is not a host name, domain (`.example.com`), address or
        CIDR; it goes into systemd drop-ins and the output's environment.

            proxy:
              http: http://proxy.corp.example:3128
              no_proxy: ["localhost; rm -rf /"]

        Fix: one host, domain, address or CIDR per entry, e.g. `[localhost, .svc, 10.0.0.0/8]`.

        """#),
    Entry(
      id: "unsafe-data-folder",
      text: #"""
        unsafe-data-folder

        *error*: `components.containerd.root` or `.state` is under a folder others can write to
        (`/tmp`, `/var/tmp`, `/dev`, `/run/user`, `/home`, `/proc`, `/sys`), or is `/`. containerd
        runs as root and keeps images, snapshots and its sockets there.

            components:
              containerd: {version: 2.1.1, root: /tmp/containerd}

        Fix: a folder only root writes to, e.g. `/srv/containerd`.

        """#),
    Entry(
      id: "invalid-namespace",
      text: #"""
        invalid-namespace

        *error*: `components.nerdctl.namespace` is not a containerd namespace name (containerd's
        `identifiers.Validate`: 1 to 76 characters, letters and digits joined by single `.`, `_` or
        `-`).

            components:
              nerdctl: {version: 2.0.2, namespace: "k8s io"}

        Fix: e.g. `namespace: k8s.io`.

        """#),
    Entry(
      id: "conflicting-components",
      text: #"""
        conflicting-components

        *error*: `nerdctl-full` together with a component it bundles (containerd, runc, cni,
        nerdctl, buildkit, rootlesskit or slirp4netns); the notes point at each.

            components:
              nerdctl-full: 2.0.3
              runc: 1.2.4

        Fix: keep either `nerdctl-full` or the separate components.

        """#),
    Entry(
      id: "user-ignored",
      text: #"""
        user-ignored

        *warning*: `user` in root mode, where nothing runs as that user.

            user: builder          # without mode: rootless

        Fix: set `mode: rootless` to run the runtime as this user, or remove `user`.

        """#),
    Entry(
      id: "home-ignored",
      text: #"""
        home-ignored

        *warning*: `home` in root mode.

            home: /srv/builder     # without mode: rootless

        Fix: set `mode: rootless`, or remove `home`.

        """#),
    Entry(
      id: "verify-none",
      text: #"""
        verify-none

        *warning*: `downloads.verify: none`: downloads are installed as root without any checksum.

            downloads:
              verify: none

        Fix: use `pinned` (the default) or `published`.

        """#),
    Entry(
      id: "literal-secret",
      text: #"""
        literal-secret

        *warning*: an `Authorization` or `Proxy-Authorization` header written into the spec itself,
        which is usually checked into a repository. *error*: a registry `auth` password written into
        the spec (the excerpt never shows it).

            header: {Authorization: "Bearer abc123"}
            auth: {username: ci, password: hunter2}

        Fix: take it from the environment, `{env: MIRROR_TOKEN}`, or from a file on the node,
        `{file: /etc/nodespec/mirror-token}`.

        """#),
    Entry(
      id: "too-many-diagnostics",
      text: #"""
        too-many-diagnostics

        *error or warning* (as severe as the worst one left out): more than 100 problems; the rest
        are counted, not shown.

            node.yaml:120:1: error: 19900 more problems are not shown [too-many-diagnostics]

        Fix: fix the ones shown first; check that this is the right file.

        """#),
    Entry(
      id: "unknown-version",
      text: #"""
        unknown-version

        *error*: with `downloads.verify: pinned` (the default), a version the catalog pins no
        sha256 for. The hint names the nearest known versions, or says that the catalog pins no
        release of that component at all (RootlessKit, slirp4netns).

            components:
              containerd: 2.0.99

        Fix: pick a version from `nodespec catalog containerd`; or give `sha256:` per arch in the
        entry; or, where the project publishes a checksum file (not BuildKit or slirp4netns), set
        `downloads.verify: published`.

        """#),
    Entry(
      id: "unknown-arch",
      text: #"""
        unknown-arch

        *error*: the component publishes no build for an arch of the plan, or the catalog pins the
        version but not for that arch.

            arch: ppc64le
            components:
              containerd: 2.0.0

        Fix: set `arch:` to one the hint lists, or give `sha256:` (and `url:`) for the missing arch.

        """#),
    Entry(
      id: "no-published-checksums",
      text: #"""
        no-published-checksums

        *error*: `downloads.verify: published` for a component that publishes no checksum file
        (BuildKit, slirp4netns).

            downloads: {verify: published}
            components:
              buildkit: 0.18.1

        Fix: give `sha256:` for each arch in that entry, or use `verify: pinned` with a catalog
        version.

        """#),
    Entry(
      id: "invalid-mirror",
      text: #"""
        invalid-mirror

        *error*: `downloads.mirror` is not an `http://` or `https://` URL.

            downloads:
              mirror: ftp://artifacts.example.com

        Fix: e.g. `mirror: https://artifacts.example.com/github`.

        """#),
    Entry(
      id: "insecure-mirror",
      text: #"""
        insecure-mirror

        *warning*: `downloads.mirror` over plain http. Pinned checksums still protect the files.

            downloads:
              mirror: http://artifacts.example.com

        Fix: prefer `https://`; accept the warning where the mirror has no TLS.

        """#),
    Entry(
      id: "unsafe-prefix",
      text: #"""
        unsafe-prefix

        *error*: `prefix` is not an absolute path of letters, digits and `/._+-`; it lands in unit
        files and scripts.

            prefix: /opt/my tools

        Fix: e.g. `prefix: /opt/nodespec`.

        """#),
    Entry(
      id: "installs-nothing",
      text: #"""
        installs-nothing

        *warning*: the spec asks for nothing to install or configure; the output would do nothing.

            nodespec: 1
            components: {}

        Fix: add components, e.g. `containerd: 2.0.0` and `runc: 1.2.4`, or registries.

        """#),
    Entry(
      id: "known-bad-version",
      text: #"""
        known-bad-version

        *warning*: a release with a known regression; the message says what breaks and which
        release fixes it. `nodespec catalog` marks these versions.

            components:
              runc: 1.2.2          # tun/tap devices and a mkdir race; fixed in 1.2.4

        Fix: use the release the message names; or, having read it, add `accept: [known-bad-version]`
        to the entry (`runc: {version: 1.2.2, accept: [known-bad-version]}`).

        """#),
    Entry(
      id: "nerdctl-hosts-bug",
      text: #"""
        nerdctl-hosts-bug

        *warning*: nerdctl (or nerdctl-full) 2.0.0 and 2.0.1 ignore
        `/etc/containerd/certs.d/docker.io/hosts.toml`, so docker.io mirrors are not used
        (nerdctl#3697).

            components:
              nerdctl: 2.0.1

        Fix: use 2.0.2 or later.

        """#),
    Entry(
      id: "nerdctl-containerd-too-old",
      text: #"""
        nerdctl-containerd-too-old

        *error*: the nerdctl release needs a newer containerd (nerdctl 2.2 and later need
        containerd 1.7 or later). A note points at containerd's version.

            components:
              containerd: 1.6.36
              nerdctl: 2.2.0

        Fix: raise containerd, or use a nerdctl made for it.

        """#),
    Entry(
      id: "nerdctl-containerd-untested",
      text: #"""
        nerdctl-containerd-untested

        *warning*: containerd is newer than the nerdctl release supports.

            components:
              containerd: 2.3.0
              nerdctl: 1.7.7

        Fix: use a nerdctl release made for that containerd.

        """#),
    Entry(
      id: "nerdctl-without-containerd",
      text: #"""
        nerdctl-without-containerd

        *warning*: nerdctl drives containerd, which the spec does not install.

            components:
              nerdctl: 2.0.2

        Fix: add `containerd:`, or use `nerdctl-full`; ignore it if containerd comes another way.

        """#),
    Entry(
      id: "missing-runc",
      text: #"""
        missing-runc

        *warning*: containerd runs containers with runc, which the spec does not install.

            components:
              containerd: 2.0.0

        Fix: add `runc: 1.2.4` (or use nerdctl-full, which bundles it).

        """#),
    Entry(
      id: "no-static-build",
      text: #"""
        no-static-build

        *error*: `static: true` for a containerd older than 1.7, which published no static build.

            components:
              containerd: {version: 1.6.36, static: true}

        Fix: use containerd 1.7 or later, or drop `static`.

        """#),
    Entry(
      id: "kubernetes-needs-containerd",
      text: #"""
        kubernetes-needs-containerd

        *error*: `kubernetes` configures containerd as the CRI runtime, but the spec installs none.

            kubernetes:
              cgroup_driver: systemd

        Fix: add `containerd:` (or `nerdctl-full:`) to `components`.

        """#),
    Entry(
      id: "buildkit-worker-needs-containerd",
      text: #"""
        buildkit-worker-needs-containerd

        *error*: BuildKit's containerd worker without containerd in the spec.

            components:
              buildkit: {version: 0.18.1, worker: containerd}

        Fix: add `containerd:`, or use `worker: oci`.

        """#),
    Entry(
      id: "buildkit-no-default-registry",
      text: #"""
        buildkit-no-default-registry

        *warning*: BuildKit has no catch-all registry, so `_default` mirrors do not apply to
        builds.

            registries:
              _default:
                mirrors: [https://mirror.example.com]

        Fix: list the registries builds pull from by name (`docker.io:`) as well.

        """#),
    Entry(
      id: "buildkit-always-falls-back",
      text: #"""
        buildkit-always-falls-back

        *warning*: `fallback: false` applies to containerd and nerdctl; BuildKit still falls back
        to the registry itself after its mirrors.

            registries:
              docker.io: {fallback: false, mirrors: [https://mirror.example.com]}

        Fix: none in the spec; block the upstream registry in the network if builds must not reach
        it. Accept the warning once read.

        """#),
    Entry(
      id: "buildkit-mirror-path",
      text: #"""
        buildkit-mirror-path

        *warning*: containerd reaches this mirror's API at a root BuildKit cannot express (BuildKit
        always requests `/v2/<path>`), so the mirror is left out of buildkitd.toml and builds do not use
        it.

            mirrors:
              - https://mirror.example.com/dockerhub      # containerd: /dockerhub/v2/...

        Fix: write a mirror whose API root is `/v2/<path>` as `https://host/v2/<path>` with
        `override_path: true`, which containerd and BuildKit both reach; or accept that builds skip it.

        """#),
    Entry(
      id: "buildkit-ignores-headers",
      text: #"""
        buildkit-ignores-headers

        *warning*: BuildKit cannot send headers to a mirror; builds reach it without them.

            mirrors:
              - {url: https://mirror.example.com, header: {X-Token: {env: TOKEN}}}

        Fix: a mirror BuildKit uses must work without the header.

        """#),
    Entry(
      id: "managed-setting",
      text: #"""
        managed-setting

        *error*: a key under `components.containerd.settings` would change a key nodespec writes
        into config.toml; the message names the spec key that decides it (`kubernetes.cgroup_driver`
        for `SystemdCgroup`, `registries` for the registry `config_path`, `components.containerd.root`
        for `root`, …). `imports` is nodespec's own (its conf.d folder).

            components:
              containerd:
                version: 2.1.1
                settings:
                  plugins:
                    io.containerd.cri.v1.images:
                      pinned_images: {sandbox: registry.example/pause:3.10}
            kubernetes: {}

        Fix: set the spec key the message names (here `kubernetes.sandbox_image`), or for what the
        spec cannot say, a file in `/etc/containerd/conf.d/`, which containerd reads after
        config.toml and nodespec never touches.

        """#),
    Entry(
      id: "unknown-setting",
      text: #"""
        unknown-setting

        *warning*: a key under `components.containerd.settings` that the pinned containerd does not
        read: containerd ignores it (1.x silently, 2.x with a log line). The key sets are those of
        containerd's own config structs at a recorded tag of the version's line
        (`catalog/containerd-config-keys.json`): the daemon's top-level keys and the CRI plugin
        tables. Keys under other plugins' tables are not judged.

            components:
              containerd:
                version: 2.1.1
                settings:
                  plugins:
                    io.containerd.grpc.v1.cri: {max_container_log_line_size: 32768}

        Fix: the key as that version names it (the hint suggests one); containerd 2.x's CRI tables
        are `io.containerd.cri.v1.images` and `io.containerd.cri.v1.runtime`. Accept it with
        `accept: unknown-setting` on the component when you know better.

        """#),
    Entry(
      id: "data-folder-not-moved",
      text: #"""
        data-folder-not-moved

        *warning*: `components.containerd.root` or `.state` is set: config.toml points containerd at
        the new folder and containerd restarts, but nothing is moved there. Images and snapshots in
        the old root are no longer seen (they stay on disk).

            components:
              containerd: {version: 2.1.1, root: /srv/containerd}

        Fix: on a node that already has images, stop containerd and move the folder before applying,
        or pull again. A new `state` leaves the shims of running containers (and their sockets) in
        the old one, where the restarted containerd does not look: stop the containers first. Accept
        it with `accept: data-folder-not-moved` once read.

        """#),
    Entry(
      id: "rootless-data-folder",
      text: #"""
        rootless-data-folder

        *error*: `root` or `state` in rootless mode. `containerd-rootless.sh` mounts the user's
        `~/.local/share/containerd` over `/var/lib/containerd` (and `$XDG_RUNTIME_DIR/containerd`
        over `/run/containerd`) inside its namespace; the data folders follow the user's XDG folders.

            mode: rootless
            user: builder
            components:
              nerdctl-full: 2.0.3
              containerd: {version: 2.0.0, root: /srv/containerd}

        Fix: remove `root`/`state`; move the user's `XDG_DATA_HOME` instead.

        """#),
    Entry(
      id: "no-proxy-kubernetes",
      text: #"""
        no-proxy-kubernetes

        *warning*: a Kubernetes node with `proxy:` whose `no_proxy` lacks one of `localhost`,
        `127.0.0.1`, `.svc`, `.cluster.local`: containerd would send the node's own and the
        cluster's service traffic to the proxy.

            proxy:
              http: http://proxy.corp.example:3128
              no_proxy: [10.0.0.0/8]
            kubernetes: {}

        Fix: add the missing names, and the cluster's pod and service CIDRs.

        """#),
    Entry(
      id: "crictl-without-containerd",
      text: #"""
        crictl-without-containerd

        *warning*: `crictl` without `containerd` or `nerdctl-full`: crictl is a client of
        containerd's CRI socket, and nothing would listen there.

            components:
              crictl: 1.32.0

        Fix: add `containerd:` (and `runc:`), or remove `crictl`.

        """#),
    Entry(
      id: "rootless-crictl",
      text: #"""
        rootless-crictl

        *error*: `crictl` in rootless mode. crictl is the client of the CRI plugin the kubelet uses;
        rootless mode sets up no Kubernetes (`rootless-kubernetes`), and `/etc/crictl.yaml` would
        point at the system's socket, not the user's.

            mode: rootless
            user: builder
            components:
              nerdctl-full: 2.0.3
              crictl: 1.32.0

        Fix: remove `crictl`; nerdctl manages the user's containers.

        """#),
    Entry(
      id: "buildkit-ignores-auth",
      text: #"""
        buildkit-ignores-auth

        *warning*: a registry with `auth` on a node with BuildKit. buildkitd.toml has no setting
        for credentials (its registry table holds `mirrors`, `http`, `insecure`, `ca`, `keypair` and
        `tlsconfigdir` only, BuildKit v0.18.1 to v0.29.0): buildkitd asks the client for them, and
        buildctl and `nerdctl build` send those of their user's `~/.docker/config.json`.

            registries:
              registry.corp.example:
                auth: {username: ci, password: {file: /etc/nodespec/registry.pass}}

        Fix: run `nerdctl login registry.corp.example` (or `docker login`) as the user who builds.

        """#),
    Entry(
      id: "duplicate-registry",
      text: #"""
        duplicate-registry

        *error*: the same registry configured twice (e.g. `Docker.io` and `docker.io`); a note
        points at the first.

            registries:
              docker.io: {mirrors: [https://a.example.com]}
              Docker.io: {mirrors: [https://b.example.com]}

        Fix: merge the two entries.

        """#),
    Entry(
      id: "fallback-with-server",
      text: #"""
        fallback-with-server

        *error*: `fallback: false` makes the last mirror the server, so a `server` contradicts it.

            registries:
              docker.io:
                server: https://registry-1.docker.io
                fallback: false
                mirrors: [https://mirror.example.com]

        Fix: remove one of `server` and `fallback: false`.

        """#),
    Entry(
      id: "auth-without-upstream",
      text: #"""
        auth-without-upstream

        *error*: `auth` on a registry that has no single upstream to send it to. Credentials go to
        the registry itself only, never to a mirror (a public mirror must not learn them): `_default`
        stands for every registry, and `fallback: false` never reaches the registry.

            registries:
              docker.io:
                fallback: false
                mirrors: [https://mirror.corp.example]
                auth: {username: ci, password: {env: REGISTRY_PASSWORD}}

        Fix: give `auth` to the registry it belongs to; to authenticate to a mirror, give that
        mirror an `Authorization` header from `{env: VAR}` or `{file: /path}`.

        """#),
    Entry(
      id: "fallback-without-mirrors",
      text: #"""
        fallback-without-mirrors

        *error*: `fallback: false` with no mirror to use instead.

            registries:
              docker.io: {fallback: false}

        Fix: add a mirror, or remove `fallback: false`.

        """#),
    Entry(
      id: "missing-scheme",
      text: #"""
        missing-scheme

        *warning*: a mirror or server without a scheme; `https://` is assumed and written.

            mirrors: [mirror.example.com]

        Fix: write `https://mirror.example.com` (or `http://` for plain http).

        """#),
    Entry(
      id: "missing-environment",
      text: #"""
        missing-environment

        *error*: a header value, a client key or a registry `auth` password `{env: VAR}` whose
        variable is not set where nodespec runs.

            header: {Authorization: {env: MIRROR_TOKEN}}    # MIRROR_TOKEN unset

        Fix: set the variable when compiling (`MIRROR_TOKEN=... nodespec compile ...`), or read it
        on the node with `{file: /path}`.

        """#),
    Entry(
      id: "unreadable-local-file",
      text: #"""
        unreadable-local-file

        *error*: a `local:` file that cannot be read: missing, not a regular file, larger than 1 MiB,
        or a symlink that leads out of the spec's folder (refused, so that a spec under review cannot
        read the compiling machine's other files into its output). A spec read from standard input
        has no folder.

            client: {cert: {local: certs/client.pem}, key: {local: certs/client.key}}

        Fix: put the file itself in the spec's folder.

        """#),
    Entry(
      id: "invalid-pem",
      text: #"""
        invalid-pem

        *error*: a delivered certificate (`ca`, `client.cert`) that is not one or more PEM
        certificates, or a delivered key (`client.key`) that is not a PEM private key (PKCS#8, RSA,
        EC or Ed25519). A key's content is never shown.

            ca: {pem: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"}

        Fix: paste the whole PEM, begin and end lines included; convert DER with
        `openssl x509 -inform der -in ca.der -out ca.pem`.

        """#),
    Entry(
      id: "expired-certificate",
      text: #"""
        expired-certificate

        *warning*: a delivered certificate whose end date (`notAfter`) has passed when compiling; TLS
        to that mirror would fail.

            ca: {local: certs/old-ca.pem}      # expired on 2024-01-31

        Fix: deliver the renewed certificate.

        """#),
    Entry(
      id: "conflicting-certificates",
      text: #"""
        conflicting-certificates

        *error*: two mirrors of one registry deliver different contents for the same file: the
        registry's `certs.d` folder holds one `ca.crt`, one `client.cert` and one `client.key`.

            registries:
              corp.example:
                mirrors:
                  - {url: https://a.corp.example, ca: {local: a-ca.pem}}
                  - {url: https://b.corp.example, ca: {local: b-ca.pem}}

        Fix: deliver one CA bundle holding both (the same `ca` on both mirrors), or name files that
        are already on the node by path.

        """#),
    Entry(
      id: "unused-accept",
      text: #"""
        unused-accept

        *warning*: an `accept:` entry that matches no warning any more (the version changed, or
        the problem went away).

            components:
              runc: {version: 1.2.4, accept: [known-bad-version]}

        Fix: remove it.

        """#),
    Entry(
      id: "rootless-needs-user",
      text: #"""
        rootless-needs-user

        *error*: rootless mode without `user`.

            mode: rootless

        Fix: add `user: NAME`, an existing account other than root.

        """#),
    Entry(
      id: "rootless-root-user",
      text: #"""
        rootless-root-user

        *error*: rootless mode with `user: root`.

            mode: rootless
            user: root

        Fix: name another account, or use `mode: root`.

        """#),
    Entry(
      id: "invalid-home",
      text: #"""
        invalid-home

        *error*: `home` is not an absolute path in normal form (a `.`, `..` or empty segment, a trailing
        `/.`), or is a system folder (`/`, `/root`, `/etc`, `/usr`, `/var`, `/opt`, … or under `/root`,
        `/etc`, `/usr`, `/proc`, `/sys`, `/run`, `/tmp`). Rootless mode writes under it as the user,
        and the node checks that it is the account's home in its passwd database.

            home: /home/builder/../../etc

        Fix: the user's home as the node's passwd database holds it, e.g. `home: /srv/builder`
        (default `/home/USER`).

        """#),
    Entry(
      id: "unsupported-runtime",
      text: #"""
        unsupported-runtime

        *error*: a runtime the pinned containerd cannot serve: `nvidia` with a containerd older
        than 1.7, which has no CDI (`enable_cdi`).

            components: {containerd: 1.6.36}
            runtimes: {nvidia: {}}

        Fix: pin containerd 1.7 or later for `nvidia`.

        """#),
    Entry(
      id: "runsc-override",
      text: #"""
        runsc-override

        *error*: `sha256:` under `runtimes.runsc`. gVisor is two downloads, `runsc` and
        `containerd-shim-runsc-v1`, and one hash cannot vouch for both.

            runtimes:
              runsc: {version: "20260817.0", sha256: 3f...}

        Fix: name a version the catalog pins (sha512, from kubespray's checksums.yml). `url:` may
        name the folder that holds both files (a copy of gVisor's bucket).

        """#),
    Entry(
      id: "rootless-runtime",
      text: #"""
        rootless-runtime

        *error*: `runsc` or `kata` in rootless mode. nodespec sets gVisor up for root containerd
        only: under rootless containerd runsc needs its `--rootless` flag passed through a shim
        configuration (`runsc.toml`) that nodespec does not write. Kata Containers runs each pod in a
        VM, which needs `/dev/kvm`, vhost devices and kernel modules (`vhost_vsock`, `vhost_net`)
        that a rootless containerd cannot use or load.

            mode: rootless
            user: builder
            components: {nerdctl-full: 2.0.3}
            runtimes: {runsc: "20260817.0"}

        Fix: use `crun` or `youki` in rootless mode, or run gVisor or kata with `mode: root`.

        """#),
    Entry(
      id: "unknown-runtime",
      text: #"""
        unknown-runtime

        *error*: `default_runtime` names a runtime that is neither `runc` nor a key of `runtimes`.

            runtimes: {crun: "1.17"}
            default_runtime: kata

        Fix: name one of the configured runtimes, or add it under `runtimes`.

        """#),
    Entry(
      id: "default-runtime-unused",
      text: #"""
        default-runtime-unused

        *warning*: `default_runtime` other than runc without `kubernetes`: only the kubelet's CRI
        plugin reads `default_runtime_name`; nerdctl and ctr use runc unless told otherwise.

            runtimes: {crun: "1.17"}
            default_runtime: crun

        Fix: add `kubernetes:`, or pick the runtime per container (`nerdctl run --runtime crun`).

        """#),
    Entry(
      id: "nvidia-unused",
      text: #"""
        nvidia-unused

        *warning*: `runtimes.nvidia` on a node with neither `kubernetes` nor nerdctl: nothing
        would run containers with it.

            components: {containerd: 2.0.0, runc: 1.2.4}
            runtimes: {nvidia: {}}

        Fix: add `kubernetes:` (the runtime gets a CRI entry) or nerdctl.

        """#),
    Entry(
      id: "rootless-images",
      text: #"""
        rootless-images

        *error*: `images` in rootless mode. They are imported into the system containerd's `k8s.io`
        namespace, for the kubelet; the user's containerd runs inside RootlessKit's namespaces and
        no kubelet uses it.

            mode: rootless
            images: [{file: /srv/images/app.tar, sha256: 0123…cdef}]

        Fix: load images as the user with `nerdctl load -i FILE`, or use `mode: root`.

        """#),
    Entry(
      id: "images-need-containerd",
      text: #"""
        images-need-containerd

        *error*: `images` without `containerd` or `nerdctl-full` in `components`: there is nothing
        to import them into.

            components: {runc: 1.2.4}
            images: [{file: /srv/images/app.tar, sha256: 0123…cdef}]

        Fix: add `containerd:` (or `nerdctl-full:`) to `components`.

        """#),
    Entry(
      id: "duplicate-image",
      text: #"""
        duplicate-image

        *error*: two `images` entries with the same `sha256`: the same tarball twice. A note points
        at the first.

            images:
              - {file: /srv/images/app.tar, sha256: 0123…cdef}
              - {url: https://m.example/app.tar, sha256: 0123…cdef}

        Fix: remove one.

        """#),
    Entry(
      id: "rootless-kubernetes",
      text: #"""
        rootless-kubernetes

        *error*: a `kubernetes` section in rootless mode: kubelet needs containerd running as root.

            mode: rootless
            user: builder
            kubernetes: {}

        Fix: remove `kubernetes`, or use `mode: root`.

        """#),
    Entry(
      id: "rootless-needs-nerdctl",
      text: #"""
        rootless-needs-nerdctl

        *error*: rootless mode needs containerd and nerdctl (which brings the rootless setup tool),
        or nerdctl-full.

            mode: rootless
            user: builder
            components:
              containerd: 2.0.0

        Fix: add `nerdctl-full:`, or `containerd:` and `nerdctl:`.

        """#),
    Entry(
      id: "rootless-needs-rootlesskit",
      text: #"""
        rootless-needs-rootlesskit

        *error*: rootless mode without nerdctl-full needs RootlessKit.

            mode: rootless
            user: builder
            components: {containerd: 2.0.0, nerdctl: 2.0.2, slirp4netns: {version: 1.3.1, sha256: ...}}

        Fix: add `rootlesskit:` with its version and `sha256:` (or `verify: published`), or use
        nerdctl-full, which bundles it.

        """#),
    Entry(
      id: "rootless-needs-slirp4netns",
      text: #"""
        rootless-needs-slirp4netns

        *error*: rootless mode without nerdctl-full needs slirp4netns.

            mode: rootless
            user: builder
            components: {containerd: 2.0.0, nerdctl: 2.0.2, rootlesskit: {version: 2.3.1, sha256: ...}}

        Fix: add `slirp4netns:` with its version and `sha256:`, or use nerdctl-full.

        """#),
    Entry(
      id: "rootless-component-ignored",
      text: #"""
        rootless-component-ignored

        *warning*: `rootlesskit` or `slirp4netns` in root mode, where they are not installed.

            components:
              rootlesskit: 2.3.1     # without mode: rootless

        Fix: set `mode: rootless`, or remove the component.

        """#),
    Entry(
      id: "rootless-loopback-mirror",
      text: #"""
        rootless-loopback-mirror

        *warning*: a mirror on `localhost`, `127.*` or `[::1]` in rootless mode: containerd pulls
        inside RootlessKit's network namespace, where loopback is not this machine.

            mirrors: [http://localhost:5000]

        Fix: use an address of the machine other than loopback (nerdctl docs/registry.md).

        """#),
    Entry(
      id: "duplicate-mirror",
      text: #"""
        duplicate-mirror

        *error*: two mirrors of one registry are the same URL once normalised (scheme added, host in
        lower case, default port and trailing `/` dropped); hosts.toml could not hold both. A note
        points at the first.

            mirrors:
              - https://mirror.example.com
              - HTTPS://Mirror.example.com/

        Fix: remove the second.

        """#),
    Entry(
      id: "insecure-published",
      text: #"""
        insecure-published

        *error*: `verify: published` over an `http://` download mirror: the artifact and its checksum
        file would come unauthenticated from one host.

            downloads: {mirror: http://artifacts.example.com/github, verify: published}

        Fix: serve the mirror over `https://`, or pin the hashes (`verify: pinned`, the default).

        """#),
    Entry(
      id: "invalid-environment-value",
      text: #"""
        invalid-environment-value

        *error*: a header value or a registry `auth` password taken from the compiling machine's
        environment (`{env: VAR}`) is not UTF-8 text on one line without control characters but tab.
        The message names the variable, never the value.

            header: {Authorization: {env: REGISTRY_AUTH}}     # REGISTRY_AUTH holds a line break

        Fix: set the variable to the header's value on one line.

        """#),
    Entry(
      id: "published-checksum-name",
      text: #"""
        published-checksum-name

        *error*: `verify: published` for a component whose `url:` ends in another file name than the
        release asset's: the project's checksum file names the asset, so the download cannot be
        looked up in it (in any target: Ansible's `get_url` looks up by the URL's own file name).

            downloads: {verify: published}
            components:
              runc: {version: 1.2.5, url: https://builds.example.com/runc-custom}

        Fix: pin the hash with `sha256:`, or serve the asset under its release file name
        (`runc.amd64`).

        """#),
    Entry(
      id: "cloud-init-size",
      text: #"""
        cloud-init-size

        *error*: the user-data is larger than EC2 accepts (16 KB, 16,384 bytes), even with its largest
        files compressed and then the whole of it gzip-compressed.

            node.yaml: error: the user-data is 26514 bytes even gzip-compressed, 10130 bytes over the 16384 bytes EC2 accepts (the cloud-config is 327891 bytes, its largest files compressed) [cloud-init-size]

        Fix: split the node's setup, or deliver it another way: the shell target, downloaded and run
        by a small user-data.

        """#),
    Entry(
      id: "cloud-init-emit",
      text: #"""
        cloud-init-emit

        *error*, internal: libdeflate could not compress the user-data (out of memory).

            node.yaml: error: cannot gzip the user-data (libdeflate failed) [cloud-init-emit]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "ansible-environment-name",
      text: #"""
        ansible-environment-name

        *error*: an environment variable name that a playbook would read as a template.

            header: {Authorization: {env: "{{x}}"}}

        Fix: use a plain variable name.

        """#),
    Entry(
      id: "ansible-artifact-source",
      text: #"""
        ansible-artifact-source

        *error*, internal: an artifact without a download for an arch of the plan.

            node.yaml:4:3: error: containerd 2.0.0 has no download for arm64 [ansible-artifact-source]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "ansible-notify-target",
      text: #"""
        ansible-notify-target

        *error*, internal: a resource notifies something that is not a service of the plan.

            node.yaml:4:3: error: resource `containerd.config` notifies `x.service`, which is not a service of the plan [ansible-notify-target]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "shell-nul-byte",
      text: #"""
        shell-nul-byte

        *error*: a value holds a NUL byte, which a shell script cannot carry.

            node.yaml:9:7: error: `registry.docker.io.hosts` holds a NUL byte, which a shell script cannot carry [shell-nul-byte]

        Fix: remove the NUL byte from the value (or the file the header reads).

        """#),
    Entry(
      id: "plan-manifest-path",
      text: #"""
        plan-manifest-path

        *error*, internal: the plan's manifest path (`/var/lib/nodespec/manifest`) is not absolute.

            <stdin>: error: the manifest path `manifest` is not an absolute path [plan-manifest-path]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-unknown-service",
      text: #"""
        plan-unknown-service

        *error*, internal: a resource notifies something that is not a service.

            node.yaml:4:3: error: `containerd.archive` notifies `x.service`, which is not a service [plan-unknown-service]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-artifact-arches",
      text: #"""
        plan-artifact-arches

        *error*, internal: an artifact's sources are not for the plan's arches.

            node.yaml:4:3: error: `runc.binary` has sources for amd64, the plan is for amd64, arm64 [plan-artifact-arches]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-empty-command",
      text: #"""
        plan-empty-command

        *error*, internal: a command resource with no command, or an empty guard.

            node.yaml:2:1: error: `rootless.user` has no command [plan-empty-command]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-relative-path",
      text: #"""
        plan-relative-path

        *error*, internal: a file, folder or unit path that is not absolute.

            node.yaml:4:3: error: `containerd.config`: `etc/containerd/config.toml` is not an absolute path [plan-relative-path]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-unnormalized-path",
      text: #"""
        plan-unnormalized-path

        *error*, internal: a path with a `.` or `..` segment.

            node.yaml:4:3: error: `containerd.unit`: `/etc/../containerd.service` has a `.` or `..` component [plan-unnormalized-path]

        Fix: report it with the spec.

        """#),
    Entry(
      id: "plan-duplicate-file",
      text: #"""
        plan-duplicate-file

        *error*, internal: two resources write the same file.

            node.yaml:9:3: error: `registry.docker.io.hosts` writes /etc/containerd/certs.d/docker.io/hosts.toml, as `x` does [plan-duplicate-file]

        Fix: report it with the spec.

        """#),
  ]
}
