import Spec

/// Turns a component entry into verified download sources, one per plan arch: catalog
/// lookups, `downloads.mirror` rewriting, the `verify` mode, and the entry's own `sha256:` and
/// `url:` overrides.
enum Downloads {
  /// Checks `downloads:` once: the mirror's scheme. (`verify: none` is warned about by the
  /// spec decoder, `verify-none`.)
  static func check(_ downloads: Spec.Downloads, diagnostics: inout Diagnostics) {
    if let mirror = downloads.mirror {
      if mirror.value.lowercased().hasPrefix("http://"), downloads.verify.value == .published {
        // The artifact and the checksum that vouches for it would both come, unauthenticated,
        // from one host: whoever sits on the path rewrites both.
        diagnostics.error(
          "insecure-published", "`verify: published` over a plain-http mirror checks nothing",
          at: mirror.range, path: "downloads.mirror",
          notes: [.init("verify mode set here", at: downloads.verify.range)],
          hint: "use an https:// mirror, or `verify: pinned` (the default)")
      } else if mirror.value.lowercased().hasPrefix("http://") {
        diagnostics.warning(
          "insecure-mirror", "downloads go through a plain-http mirror", at: mirror.range,
          path: "downloads.mirror",
          hint: "pinned checksums still protect the files; prefer https://")
      } else if !mirror.value.lowercased().hasPrefix("https://") {
        diagnostics.error(
          "invalid-mirror", "the download mirror must be an http:// or https:// URL",
          at: mirror.range, path: "downloads.mirror")
      }
    }
  }

  /// `url` with its `https://github.com` prefix replaced by the mirror, normalized
  /// (`ResolvedRegistry.normalizedURL`: lowercase scheme and host, no trailing `/`).
  static func rewrite(_ url: String, mirror: String?) -> String {
    guard let mirror, url.hasPrefix(CatalogComponent.github) else { return url }
    return ResolvedRegistry.normalizedURL(mirror) + url.dropFirst(CatalogComponent.github.count)
  }

  /// One source per arch of `context.arches`, or nil after reporting why not.
  ///
  /// A spec `sha256:` for the arch always wins. Otherwise `verify: pinned` takes the catalog's
  /// pin (`unknown-version` / `unknown-arch` when there is none), `published` the project's
  /// checksum file (`no-published-checksums` for BuildKit), `none` checks nothing.
  static func sources(
    for component: Component, as release: CatalogComponent, context: CompileContext,
    diagnostics: inout Diagnostics
  ) -> [Artifact.Source]? {
    let version = component.version.value
    let verify = context.spec.downloads.verify.value
    let mirror = context.spec.downloads.mirror?.value
    let path = "components.\(component.key).version"
    var sources: [Artifact.Source] = []
    var unpinned: [Arch] = []
    var failed = false

    for pin in component.sha256 where !isSHA256(pin.value.value) {
      diagnostics.error(
        "invalid-sha256", "a sha256 is 64 lowercase hex digits", at: pin.range,
        path: "components.\(component.key).sha256")
      failed = true
    }
    for url in component.url {
      let text = url.value.value
      if !(text.hasPrefix("https://") || text.hasPrefix("http://"))
        || text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "\"" })
      {
        diagnostics.error(
          "invalid-url", "`\(text)` is not an http:// or https:// URL", at: url.range,
          path: "components.\(component.key).url")
        failed = true
      }
    }

    for arch in context.arches {
      let urlOverride = value(for: arch, in: component.url)
      let shaOverride = value(for: arch, in: component.sha256)
      let fileName: String
      if let asset = release.assetName(version: version, arch: arch) {
        fileName = asset
      } else if let urlOverride, let last = urlOverride.split(separator: "/").last {
        fileName = String(last)
      } else {
        diagnostics.error(
          "unknown-arch", "\(component.key) publishes no \(arch) build",
          at: component.version.range, path: path,
          hint: "\(component.key) is published for "
            + release.publishedArches.map(\.rawValue).joinedUTF8(separator: ", "))
        failed = true
        continue
      }
      let url =
        urlOverride
        ?? rewrite(
          release.assetURL(version: version, arch: arch)
            ?? release.releaseBase(version: version) + "/" + fileName, mirror: mirror)

      let check: Artifact.Check
      if let shaOverride {
        check = .sha256(shaOverride)
      } else {
        switch verify {
        case .pinned:
          guard let pin = context.catalog.digest(release, version: version, arch: arch) else {
            unpinned.append(arch)
            continue
          }
          check = pin.check
        case .published:
          guard let checksums = release.checksumURL(version: version, arch: arch) else {
            diagnostics.error(
              "no-published-checksums",
              "\(component.key) publishes no checksum file for `verify: published` to use",
              at: component.version.range, path: path,
              notes: [.init("verify mode set here", at: context.spec.downloads.verify.range)],
              hint: "give `sha256:` for each arch in this entry")
            return nil
          }
          // The checksum file names the release asset; a download of another name cannot be
          // looked up in it (Ansible's get_url even looks up by the URL's own file name).
          if let urlOverride, let given = value(located: arch, in: component.url),
            urlOverride.split(separator: "/").last.map(String.init) != fileName
          {
            diagnostics.error(
              "published-checksum-name",
              "`verify: published` looks `\(fileName)` up in \(component.key)'s checksum file, "
                + "and this download is not named so",
              at: given.range, path: "components.\(component.key).url",
              notes: [.init("verify mode set here", at: context.spec.downloads.verify.range)],
              hint: "give `sha256:` for this download, or a URL ending in `/\(fileName)`")
            failed = true
            continue
          }
          check = .published(checksumURL: rewrite(checksums, mirror: mirror))
        case .none:
          check = .none
        }
      }
      sources.append(Artifact.Source(arch: arch, url: url, fileName: fileName, check: check))
    }

    if !unpinned.isEmpty {
      failed = true
      let arches = unpinned.map(\.rawValue).joinedUTF8(separator: ", ")
      if context.catalog.knows(release, version: version) {
        let pinned = context.catalog.releases(of: release).first { $0.version == version }
        diagnostics.error(
          "unknown-arch", "no pinned sha256 for \(release.rawValue) \(version) on \(arches)",
          at: component.version.range, path: path,
          hint: "the catalog pins it for "
            + (pinned?.arches ?? []).map(\.rawValue).joinedUTF8(separator: ", ")
            + "; give `sha256:` for \(arches) or set `arch:`")
      } else {
        // Only ways that work: BuildKit and slirp4netns publish no checksum file.
        let publishes = unpinned.allSatisfy {
          release.checksumURL(version: version, arch: $0) != nil
        }
        let ways =
          "give `sha256:` per arch"
          + (publishes ? ", or set `downloads.verify: published`" : "")
        let near = context.catalog.neighbours(of: version, in: release)
        if context.catalog.releases(of: release).isEmpty {
          diagnostics.error(
            "unknown-version",
            "the catalog pins no \(release.rawValue) release, so \(version) needs a checksum",
            at: component.version.range, path: path, hint: ways)
        } else {
          diagnostics.error(
            "unknown-version", "\(release.rawValue) \(version) is not in the catalog",
            at: component.version.range, path: path,
            hint: (near.isEmpty ? "" : "nearest known: \(near.joinedUTF8(separator: ", ")); or ")
              + ways)
        }
      }
    }
    return failed ? nil : sources
  }

  static func isSHA256(_ text: String) -> Bool {
    text.utf8.count == 64
      && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
  }

  /// The entry for `arch`, else the entry for every arch.
  private static func value(for arch: Arch, in values: [Located<ArchValue>]) -> String? {
    value(located: arch, in: values)?.value.value
  }

  private static func value(
    located arch: Arch, in values: [Located<ArchValue>]
  ) -> Located<ArchValue>? {
    values.first { $0.value.arch == arch } ?? values.first { $0.value.arch == nil }
  }
}

extension Downloads {
  /// An artifact resource's kind for `component`, or nil after reporting why not. Its stamp is
  /// `/var/lib/nodespec/artifacts/<id>.stamp`.
  static func artifact(
    id: String, component: Component, release: CatalogComponent, install: Artifact.Install,
    provides: [String], context: CompileContext, diagnostics: inout Diagnostics
  ) -> Resource.Kind? {
    guard
      let sources = sources(
        for: component, as: release, context: context, diagnostics: &diagnostics)
    else { return nil }
    return .artifact(
      Artifact(
        title: "\(release.rawValue) \(component.version.value)",
        version: component.version.value, sources: sources,
        install: install, provides: provides, stamp: context.paths.stamp(id)))
  }
}
