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
    var defs: [(String, JSON)] = []
    for place in SpecKeys.places where !place.isEmpty {
      defs.append((definitionName(place), object(place)))
    }
    var root: [(String, JSON)] = [
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
    root += members(object(""))
    root.append(("required", .array([.string("nodespec")])))
    root.append(("$defs", .object(defs)))
    return JSON.object(root).text(indent: 0) + "\n"
  }

  private static func members(_ json: JSON) -> [(String, JSON)] {
    if case .object(let members) = json { members } else { [] }
  }

  private static func definitionName(_ place: String) -> String {
    place.replacingDots()
  }

  /// The schema of one place: its keys, nothing else.
  private static func object(_ place: String) -> JSON {
    let keys = SpecKeys.all.filter { $0.place == place }
    var schema: [(String, JSON)] = [
      ("type", .string("object")),
      (
        "properties",
        .object(
          keys.map { key in
            var description = key.description
            if case .text(_, let grammar) = key.value { description += " Format: \(grammar)." }
            let schema = members(value(key.value)).filter { $0.0 != "description" }
            return (key.name, .object([("description", .string(description))] + schema))
          })
      ),
      ("additionalProperties", .bool(false)),
    ]
    if SpecKeys.oneKeyPlaces.contains(place) {
      schema += [("minProperties", .number(1)), ("maxProperties", .number(1))]
    }
    return .object(schema)
  }

  /// The schema of a value.
  private static func value(_ value: SpecValue) -> JSON {
    switch value {
    case .text(let kind, let description):
      let numeric = ["version", "name", "text", "id"].contains(kind)
      return .object([
        ("type", numeric ? .array([.string("string"), .string("number")]) : .string("string")),
        ("description", .string(description)),
      ])
    case .bool:
      return .object([("type", .string("boolean"))])
    case .choice(let words):
      return .object([("type", .string("string")), ("enum", .array(words.map(JSON.string)))])
    case .formatVersion:
      return .object([("enum", .array([.number(1), .string("1")]))])
    case .place(let place):
      let reference = JSON.object([("$ref", .string("#/$defs/\(definitionName(place))"))])
      guard SpecKeys.nullablePlaces.contains(place) else { return reference }
      return .object([("anyOf", .array([reference, .object([("type", .string("null"))])]))])
    case .mapOf(let item):
      return .object([
        (
          "anyOf",
          .array([
            .object([("type", .string("object")), ("additionalProperties", self.value(item))]),
            .object([("type", .string("null"))]),
          ])
        )
      ])
    case .listOf(let item):
      return .object([("type", .string("array")), ("items", self.value(item))])
    case .nonEmptyListOf(let item):
      return .object([
        ("type", .string("array")), ("items", self.value(item)), ("minItems", .number(1)),
      ])
    case .oneOrMany(let item):
      return .object([
        (
          "anyOf",
          .array([
            self.value(item), .object([("type", .string("array")), ("items", self.value(item))]),
          ])
        )
      ])
    case .perArch(let item):
      return .object([
        ("type", .string("object")),
        ("properties", .object(Arch.allCases.map { ($0.rawValue, self.value(item)) })),
        ("additionalProperties", .bool(false)),
      ])
    case .pair(let item):
      return .object([
        ("type", .string("array")), ("items", self.value(item)), ("minItems", .number(2)),
        ("maxItems", .number(2)),
      ])
    case .oneOf(let values):
      return .object([("anyOf", .array(values.map(self.value)))])
    case .table:
      return .object([("type", .string("object"))])
    case .emptyMapping:
      return .object([
        ("anyOf", .array([
          .object([("type", .string("object")), ("maxProperties", .number(0))]),
          .object([("type", .string("null"))]),
        ]))
      ])
    }
  }
}

/// Just enough JSON to write a schema: members in the order given, strings escaped per
/// RFC 8259.
enum JSON {
  case string(String)
  case number(Int)
  case bool(Bool)
  case array([JSON])
  case object([(String, JSON)])

  func text(indent: Int) -> String {
    let inner = String(repeating: "  ", count: indent + 1)
    let outer = String(repeating: "  ", count: indent)
    switch self {
    case .string(let s): return JSON.quoted(s)
    case .number(let n): return String(n)
    case .bool(let b): return b ? "true" : "false"
    case .array(let items):
      if items.isEmpty { return "[]" }
      return "[\n" + items.map { inner + $0.text(indent: indent + 1) }.joined(separator: ",\n")
        + "\n" + outer + "]"
    case .object(let members):
      if members.isEmpty { return "{}" }
      return "{\n"
        + members.map { inner + JSON.quoted($0.0) + ": " + $0.1.text(indent: indent + 1) }
        .joined(separator: ",\n") + "\n" + outer + "}"
    }
  }

  static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 {
          let digits = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}

extension String {
  /// `component.containerd` as `component-containerd`: a `$defs` name that needs no escaping
  /// in a JSON pointer.
  fileprivate func replacingDots() -> String {
    String(unicodeScalars.map { $0 == "." ? "-" : Character($0) })
  }
}
