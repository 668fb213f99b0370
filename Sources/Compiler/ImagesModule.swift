import Spec

/// `images:`: image tarballs imported into containerd's `k8s.io` namespace (the kubelet's),
/// once per tarball digest, so that an air-gapped node has its images before anything pulls.
///
/// - A `url` image is an artifact: downloaded like a release (`downloads.mirror` rewrites a
///   github.com URL, the sha256 is checked before the file is kept) into
///   `/var/lib/nodespec/images/<sha256>.tar` (the folder `0700`: an image may hold what only
///   root should read).
/// - After the services (containerd must answer), a command checks the tarball's sha256
///   again, runs `ctr --namespace k8s.io images import`, records the digest in
///   `/var/lib/nodespec/images/<sha256>.imported` (its guard: a second run does nothing)
///   and removes a downloaded tarball. The marker is also what the download `provides`, so a
///   download is not fetched again once imported.
/// - Without a running systemd nothing started containerd: the import is skipped and says so.
enum ImagesModule: CompilerModule {
  static let folder = "/var/lib/nodespec/images"
  static let namespace = "k8s.io"

  /// The import script, a file the plan writes and runs with `/bin/sh`: fixed text whose
  /// arguments (`$1`…) are the spec values, so that none is ever part of shell text. Its
  /// output goes to stderr (the contract's command rule).
  static let script = "\(folder)/import.sh"
  static let importScript = """
    # \(Paths.generatedHeader)
    # Imports one image tarball into containerd after checking its sha256, then records it.
    set -eu
    file=$1 want=$2 marker=$3 ctr=$4 downloaded=$5
    if [ ! -f "$file" ]; then echo "nodespec: image file $file is missing" >&2; exit 1; fi
    got=$(sha256sum <"$file")
    got=${got%% *}
    if [ "$got" != "$want" ]; then
      echo "nodespec: checksum mismatch for $file: expected $want, got $got" >&2
      exit 1
    fi
    "$ctr" --namespace \(namespace) images import "$file"
    mkdir -p "${marker%/*}"
    printf '%s\\n' "$want" >"$marker.tmp"
    mv -f "$marker.tmp" "$marker"
    if [ "$downloaded" = yes ]; then rm -f "$file"; fi

    """

  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics
  ) {
    let spec = context.spec
    guard !spec.images.isEmpty, let range = spec.imagesRange else { return }
    if context.rootless != nil {
      diagnostics.error(
        "rootless-images",
        "`images` imports into the system containerd's `k8s.io` namespace, which rootless "
          + "mode does not run",
        at: range, path: "images",
        hint: "load them as the user with `nerdctl load -i FILE`, or use `mode: root`")
      return
    }
    guard context.installsContainerd else {
      diagnostics.error(
        "images-need-containerd", "`images` are imported into containerd, which the spec "
          + "does not install",
        at: range, path: "images", hint: "add `containerd:` (or `nerdctl-full:`) to `components`")
      return
    }
    // Downloads land in the folder (a binary install needs its folder to exist).
    plan.add("images.folder", origin: range, .directory(Directory(path: folder, mode: 0o700)))
    plan.add("images.script", origin: range, .file(File(path: script, content: .init(importScript))))
    var seen: [String: SourceRange] = [:]
    for (index, image) in spec.images.enumerated() {
      let sha = image.sha256.value
      if let first = seen[sha] {
        diagnostics.error(
          "duplicate-image", "this tarball is listed twice (the same sha256)",
          at: image.sha256.range, path: "images[\(index)].sha256",
          notes: [.init("first listed here", at: first)], hint: "remove one")
        continue
      }
      seen[sha] = image.sha256.range
      let marker = "\(folder)/\(sha).imported"
      let (file, title, downloaded): (String, String, String)
      switch image.source.value {
      case .file(let path):
        (file, title, downloaded) = (path, path, "no")
      case .url(let url):
        let resolved = Downloads.rewrite(url, mirror: spec.downloads.mirror?.value)
        let name = resolved.split(separator: "/").last.map(String.init) ?? "\(sha).tar"
        (file, title, downloaded) = ("\(folder)/\(sha).tar", name, "yes")
        let id = "images.\(sha).download"
        plan.add(
          id, origin: image.range,
          .artifact(
            Artifact(
              title: "image \(name)",
              sources: context.arches.map {
                Artifact.Source(arch: $0, url: resolved, fileName: name, check: .sha256(sha))
              },
              install: .binary(path: file, mode: 0o600), provides: [marker],
              stamp: context.paths.stamp(id))))
      }
      plan.addAfterServices(
        "images.\(sha).import", origin: image.range,
        .command(
          Command(
            title: "import image \(title)",
            argv: [
              "/bin/sh", script, file, sha, marker,
              "\(context.paths.bin)/ctr", downloaded,
            ],
            guard: .creates(marker))),
        condition: .systemdRunning)
    }
  }
}
