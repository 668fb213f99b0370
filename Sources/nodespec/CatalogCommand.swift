import ArgumentParser
import Compiler

struct CatalogCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "catalog",
    abstract: "List the versions and arches whose sha256 nodespec pins.",
    discussion: """
      A spec may name any of these versions without giving a sha256. Another version needs
      `sha256:` in the spec (or `downloads.verify: published`); docs/catalog.md says how to add
      one to the catalog.
      """)

  @Argument(
    help: ArgumentHelp(
      "A component: \(CatalogComponent.allCases.map(\.rawValue).joined(separator: ", ")).",
      valueName: "component"))
  var component: String?

  @Flag(help: "Print one line per (component, version, arch) with its sha256.")
  var hashes = false

  func run() throws {
    let catalog = Catalog.builtin
    guard let listings = catalog.listing(component) else {
      throw ValidationError(
        "unknown component '\(component ?? "")'; known: "
          + CatalogComponent.allCases.map(\.rawValue).joined(separator: ", "))
    }
    var out = ""
    for listing in listings {
      if hashes {
        for release in listing.releases {
          for arch in release.arches {
            let sha = catalog.sha256(listing.component, version: release.version, arch: arch)
            out += "\(listing.component.rawValue)\t\(release.version)\t\(arch)\t\(sha ?? "")\n"
          }
        }
      } else {
        out += "\(listing.component.rawValue) (\(listing.component.repository))\n"
        for release in listing.releases {
          let arches = release.arches.map(\.rawValue).joined(separator: " ")
          out += "  \(release.version.padding(toLength: 10))  \(arches)\n"
        }
      }
    }
    print(out, terminator: "")
  }
}

extension String {
  fileprivate func padding(toLength length: Int) -> String {
    count >= length ? self : self + String(repeating: " ", count: length - count)
  }
}
