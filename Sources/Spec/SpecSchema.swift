/// The JSON Schema (draft 2020-12) of the spec format, generated from the key table
/// (`SpecKeys`) the decoder takes its keys from: editors (yaml-language-server) complete and
/// check specs with it.
///
/// The schema checks structure: which keys exist where, the kind of each value, and every
/// closed set of words. The grammars of strings (versions, URLs, paths) and the checks that
/// need the catalog are the decoder's; their descriptions say what they want. A scalar that a
/// YAML 1.2 editor may read as a number (`1.10`, `007`) is accepted where the decoder reads
/// text.
public enum SpecSchema {
  /// The schema's `$id`: a name, not a place (nothing fetches it; `nodespec schema` prints it).
  public static let id = "urn:nodespec:spec-format:1"

  /// The schema, as JSON text ending with a newline; the same bytes on every run.
  public static func json() -> String {
    var defs: [(String, JSONValue)] = []
    for place in SpecKeys.places where !place.isEmpty {
      defs.append((definitionName(place), placeSchema(place)))
    }
    var root: [(String, JSONValue)] = [
      ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
      ("$id", .string(id)),
      ("title", .string("nodespec spec, format 1")),
      (
        "description",
        .string(
          "One Linux node's container runtime: components, registry mirrors, Kubernetes "
            + "settings. See docs/spec.md."
        )
      ),
    ]
    root += members(placeSchema(""))
    root.append(("required", .array([.string("nodespec")])))
    root.append(("$defs", object(defs)))
    return object(root).text
  }

  private static func members(_ json: JSONValue) -> [(String, JSONValue)] {
    if case .object(let members) = json { members.map { ($0.key, $0.value) } } else { [] }
  }

  /// A JSON object from its members (each name once); `JSONValue` writes them sorted.
  private static func object(_ members: [(String, JSONValue)]) -> JSONValue {
    .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
  }

  private static func definitionName(_ place: String) -> String {
    place.replacingDots()
  }

  /// The schema of one place: its keys, nothing else.
  private static func placeSchema(_ place: String) -> JSONValue {
    let keys = SpecKeys.all.filter { $0.place == place }
    var schema: [(String, JSONValue)] = [
      ("type", .string("object")),
      (
        "properties",
        object(
          keys.map { key in
            var description = key.description
            if case .text(_, let grammar) = key.value { description += " Format: \(grammar)." }
            let schema = members(value(key.value)).filter { $0.0 != "description" }
            return (key.name, object([("description", .string(description))] + schema))
          })
      ),
      ("additionalProperties", .bool(false)),
    ]
    if SpecKeys.oneKeyPlaces.contains(place) {
      schema += [("minProperties", .int(1)), ("maxProperties", .int(1))]
    }
    return object(schema)
  }

  /// The schema of a value.
  private static func value(_ value: SpecValue) -> JSONValue {
    switch value {
    case .text(let kind, let description):
      let numeric = ["version", "name", "text", "id"].contains(kind)
      return object([
        ("type", numeric ? .array([.string("string"), .string("number")]) : .string("string")),
        ("description", .string(description)),
      ])
    case .bool:
      return object([("type", .string("boolean"))])
    case .choice(let words):
      return object([("type", .string("string")), ("enum", .array(words.map(JSONValue.string)))])
    case .formatVersion:
      return object([("enum", .array([.int(1), .string("1")]))])
    case .place(let place):
      let reference = object([("$ref", .string("#/$defs/\(definitionName(place))"))])
      guard SpecKeys.nullablePlaces.contains(place) else { return reference }
      return object([("anyOf", .array([reference, object([("type", .string("null"))])]))])
    case .mapOf(let item):
      return object([
        (
          "anyOf",
          .array([
            object([("type", .string("object")), ("additionalProperties", self.value(item))]),
            object([("type", .string("null"))]),
          ])
        )
      ])
    case .listOf(let item):
      return object([("type", .string("array")), ("items", self.value(item))])
    case .nonEmptyListOf(let item):
      return object([
        ("type", .string("array")), ("items", self.value(item)), ("minItems", .int(1)),
      ])
    case .oneOrMany(let item):
      return object([
        (
          "anyOf",
          .array([
            self.value(item), object([("type", .string("array")), ("items", self.value(item))]),
          ])
        )
      ])
    case .perArch(let item):
      return object([
        ("type", .string("object")),
        ("properties", object(Arch.allCases.map { ($0.rawValue, self.value(item)) })),
        ("additionalProperties", .bool(false)),
      ])
    case .pair(let item):
      return object([
        ("type", .string("array")), ("items", self.value(item)), ("minItems", .int(2)),
        ("maxItems", .int(2)),
      ])
    case .oneOf(let values):
      return object([("anyOf", .array(values.map(self.value)))])
    case .table:
      return object([("type", .string("object"))])
    case .emptyMapping:
      return object([
        ("anyOf", .array([
          object([("type", .string("object")), ("maxProperties", .int(0))]),
          object([("type", .string("null"))]),
        ]))
      ])
    }
  }
}

extension String {
  /// `component.containerd` as `component-containerd`: a `$defs` name that needs no escaping
  /// in a JSON pointer.
  fileprivate func replacingDots() -> String {
    String(unicodeScalars.map { $0 == "." ? "-" : Character($0) })
  }
}
