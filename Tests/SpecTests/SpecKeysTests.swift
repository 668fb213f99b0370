import Foundation
import Testing

@testable import Spec

/// The key table (`SpecKeys`), which `nodespec schema` is generated from, against what the
/// decoder really accepts: a key added to the decoder but not to the table (or the other way
/// round) fails here. IntegrationTests/schema.sh checks the schema itself with jsonschema.
@Suite struct SpecKeysTests {
  /// For each place of the table, a spec with an unknown key (`ZZ`) in that place. A new place
  /// needs a line here.
  static let probes: [String: String] = [
    "": "ZZ: 1",
    "downloads": "downloads: {ZZ: 1}",
    "components": "components: {ZZ: 1}",
    "kubernetes": "kubernetes: {ZZ: 1}",
    "proxy": "proxy: {https: http://p.example:3128, ZZ: 1}",
    "runtimes": "runtimes: {ZZ: 1}",
    "image": "images: [{file: /srv/a.tar, ZZ: 1}]",
    "auth": "registries: {docker.io: {auth: {ZZ: 1}}}",
    "registry": "registries: {docker.io: {ZZ: 1}}",
    "mirror": "registries: {docker.io: {mirrors: [{url: https://m.example, ZZ: 1}]}}",
    "certificate": "registries: {docker.io: {mirrors: [{url: https://m.example, ca: {ZZ: 1}}]}}",
    "client": "registries: {docker.io: {mirrors: [{url: https://m.example, client: {ZZ: 1}}]}}",
    "key":
      "registries: {docker.io: {mirrors: [{url: https://m.example, client: {cert: {pem: x}, key: {ZZ: 1}}}]}}",
    "secret":
      "registries: {docker.io: {mirrors: [{url: https://m.example, header: {X-A: {ZZ: 1}}}]}}",
  ]

  /// The keys the decoder lists as valid where `yaml` puts the unknown key `ZZ`.
  static func acceptedKeys(_ yaml: String) -> [String]? {
    let text =
      "nodespec: 1\n" + yaml.replacingOccurrences(of: "ZZ", with: "qqqqqqqqqqqqzzzz") + "\n"
    var diagnostics = Diagnostics()
    _ = SpecLoader.decode(SourceFile(path: "probe.yaml", text: text), diagnostics: &diagnostics)
    guard let hint = diagnostics.all.first(where: { $0.id == "unknown-key" })?.hint,
      let list = hint.split(separator: ":", maxSplits: 1).last, hint.hasPrefix("valid keys here")
    else { return nil }
    return list.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(
        in: CharacterSet(charactersIn: "`"))
    }
  }

  static func probe(_ place: String) -> String? {
    if let probe = probes[place] { return probe }
    if place.hasPrefix("runtime.") {
      return "runtimes: {\(place.dropFirst("runtime.".count)): {version: 1.0.0, ZZ: 1}}"
    }
    guard place.hasPrefix("component.") else { return nil }
    return "components: {\(place.dropFirst("component.".count)): {version: 1.0.0, ZZ: 1}}"
  }

  @Test(arguments: SpecKeys.places)
  func theDecoderAcceptsExactlyTheTablesKeys(place: String) throws {
    let probe = try #require(Self.probe(place), "add a probe for the place `\(place)`")
    let accepted = try #require(Self.acceptedKeys(probe), "no unknown-key list for `\(place)`")
    #expect(accepted.sorted() == SpecKeys.names(in: place).sorted(), "place `\(place)`")
  }

  /// The decoder's written-out lists (`SpecKeys.allowed(in:)`) are the table's, in its order
  /// (the order the `unknown-key` hint lists them in), and no place outside it has keys.
  @Test(arguments: SpecKeys.places)
  func theDecodersListsAreTheTables(place: String) {
    #expect(SpecKeys.allowed(in: place) == SpecKeys.names(in: place), "place `\(place)`")
  }

  @Test func placesOutsideTheTableHaveNoKeys() {
    for place in ["components.containerd", "component", "runtime", "mirrors", "zz"] {
      #expect(SpecKeys.allowed(in: place).isEmpty, "place `\(place)`")
    }
  }

  @Test func everyComponentTheDecoderKnowsHasItsPlace() throws {
    let accepted = try #require(Self.acceptedKeys("components: {ZZ: 1}"))
    for name in accepted {
      #expect(SpecKeys.places.contains("component.\(name)"), "`component.\(name)`")
    }
  }

  @Test func everyKeyIsDescribedAndEveryChoiceListed() {
    for key in SpecKeys.all {
      #expect(key.description.count > 10, "`\(key.place).\(key.name)`")
      if case .choice(let words) = key.value { #expect(!words.isEmpty) }
    }
  }

  @Test func theSchemaNamesEveryPlaceAndIsStable() {
    let schema = SpecSchema.json()
    #expect(schema == SpecSchema.json())
    #expect(schema.contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""))
    for place in SpecKeys.places where !place.isEmpty {
      #expect(schema.contains("\"#/$defs/\(place.replacingOccurrences(of: ".", with: "-"))\""))
    }
  }
}
