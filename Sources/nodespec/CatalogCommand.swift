import ArgumentParser
import Compiler
import Spec

struct CatalogCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "catalog",
    abstract: "List the versions and arches whose sha256 nodespec pins.",
    discussion: """
      A spec may name any of these versions without giving a sha256. Another version needs \
      `sha256:` in the spec (or `downloads.verify: published`, where the project publishes a \
      checksum file); docs/catalog.md says how to add one to the catalog. A version marked \
      [ID] draws that warning: `nodespec explain ID` says why.

      \(Exit.help)
      """)

  @Argument(
    help: ArgumentHelp(
      "A component, as the spec names it: \(Catalog.componentKeys.joinedUTF8(separator: ", ")).",
      valueName: "component"))
  var component: String?

  @Flag(
    help: """
      Print one line per pinned asset: component, version, arch, sha256, file name \
      (tab-separated).
      """)
  var hashes = false

  func validate() throws {
    guard let component, !Catalog.componentKeys.contains(component) else { return }
    let guess =
      closest(to: component, among: Catalog.componentKeys).map { "did you mean `\($0)`? " }
      ?? ""
    throw ValidationError(
      "unknown component `\(component)`; \(guess)known: "
        + Catalog.componentKeys.joinedUTF8(separator: ", "))
  }

  func run() throws {
    let catalog = Catalog.builtin
    // `validate()` let only known components through.
    let listings = catalog.listing(component) ?? []
    var out = ""
    for listing in listings {
      if hashes {
        for release in listing.releases {
          for arch in release.arches {
            let sha =
              catalog.digest(listing.component, version: release.version, arch: arch)?
              .description ?? ""
            let file = listing.component.assetName(version: release.version, arch: arch) ?? ""
            out += "\(listing.key)\t\(release.version)\t\(arch)\t\(sha)\t\(file)\n"
          }
        }
        continue
      }
      let build = listing.option.map { " with `\($0)`" } ?? ""
      out += "\(listing.key)\(build) (\(listing.component.repository))\n"
      if listing.releases.isEmpty {
        out += "  the catalog pins no release: give `sha256:` per arch in the spec\n"
      }
      for release in listing.releases {
        let arches = release.arches.map(\.rawValue).joinedUTF8(separator: " ")
        let marks = (listing.warnings[release.version] ?? []).map { "  [\($0)]" }.joinedUTF8()
        out += "  \(release.version.padding(toLength: 10))  \(arches)\(marks)\n"
      }
    }
    if !Driver(strict: false).writeStandardOutput(out) { throw Exit.ioFailure }
  }
}

extension String {
  fileprivate func padding(toLength length: Int) -> String {
    count >= length ? self : self + String(repeating: " ", count: length - count)
  }
}
