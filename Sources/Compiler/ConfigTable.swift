/// A TOML document being built as a tree, so that a user's `settings:` can be merged into
/// what nodespec writes before anything is rendered: keys and tables in the order they were
/// first set, each value with the spec key that makes nodespec write it (`managedBy`).
struct ConfigTable: Equatable {
  indirect enum Entry: Equatable {
    /// A value; `managedBy` names the spec key that decides it, nil for a user's setting.
    case value(TOMLValue, managedBy: String?)
    case table(ConfigTable)
  }

  struct Item: Equatable {
    var key: String
    var entry: Entry
  }

  private(set) var items: [Item] = []

  /// Sets the value at `path`, making the tables on the way.
  mutating func set(_ path: [String], _ value: TOMLValue, managedBy: String?) {
    guard let key = path.first else { return }
    let index = items.firstIndex { $0.key == key }
    if path.count == 1 {
      let item = Item(key: key, entry: .value(value, managedBy: managedBy))
      if let index { items[index] = item } else { items.append(item) }
      return
    }
    var table = ConfigTable()
    if let index, case .table(let existing) = items[index].entry { table = existing }
    table.set(Array(path.dropFirst()), value, managedBy: managedBy)
    if let index {
      items[index].entry = .table(table)
    } else {
      items.append(Item(key: key, entry: .table(table)))
    }
  }

  /// What is at `path`, if anything.
  func entry(at path: [String]) -> Entry? {
    guard let key = path.first, let item = items.first(where: { $0.key == key }) else {
      return nil
    }
    if path.count == 1 { return item.entry }
    guard case .table(let table) = item.entry else { return nil }
    return table.entry(at: Array(path.dropFirst()))
  }

  /// The first managed value in this table or below, with its path relative to it.
  var firstManaged: (path: [String], managedBy: String)? {
    for item in items {
      switch item.entry {
      case .value(_, let managedBy?): return ([item.key], managedBy)
      case .value: continue
      case .table(let table):
        if let found = table.firstManaged { return ([item.key] + found.path, found.managedBy) }
      }
    }
    return nil
  }

  /// The document: top-level values first, then each table whose values are set, as
  /// `[a.b]` with its values before its sub-tables (a table with only sub-tables gets no
  /// header of its own, as TOML allows).
  func render(into toml: inout TOMLWriter) {
    render(into: &toml, at: [])
  }

  private func render(into toml: inout TOMLWriter, at path: [String]) {
    var headed = path.isEmpty
    for item in items {
      guard case .value(let value, _) = item.entry else { continue }
      if !headed {
        toml.table(path)
        headed = true
      }
      toml.set(item.key, value)
    }
    for item in items {
      guard case .table(let table) = item.entry else { continue }
      table.render(into: &toml, at: path + [item.key])
    }
  }

  /// `a."b.c".d`, as a TOML key path, for messages.
  static func dotted(_ path: [String]) -> String {
    path.map(TOMLWriter.key).joinedUTF8(separator: ".")
  }
}
