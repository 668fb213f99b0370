extension AnsibleBackend {
  /// Indents block sequences that are mapping values by two spaces, as ansible-lint's yamllint
  /// configuration requires (`indent-sequences`) and Ansible's own documentation writes them.
  ///
  /// libyaml's emitter always writes such sequences "indentless" (`tasks:` then `- name:` at
  /// the same column) and has no option to do otherwise. This pass changes only leading
  /// spaces: every line inside such a sequence, block-scalar content included, moves right by
  /// two spaces per enclosing sequence, so scalars keep their bytes (a literal block's content
  /// is read relative to its first line's indentation). It relies on what `Scalar` guarantees
  /// about the emitter's output: no scalar spans lines except literal blocks, and no plain or
  /// quoted scalar ends like a block header (` |`, ` >-`).
  enum Indentation {
    static func indentSequences(_ yaml: String) -> String {
      /// Original columns of the keys whose indentless sequences enclose the current line.
      var sequences: [Int] = []
      /// The column of the last `key:` line whose value starts on the next line.
      var openKey: Int?
      /// Inside a block scalar: its content lines are empty or indented beyond this column.
      var blockColumn: Int?
      var output: [Substring] = []
      var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
      let finalNewline = lines.last == ""
      if finalNewline { lines.removeLast() }

      for line in lines {
        let indent = line.prefix { $0 == " " }.count
        let body = line.dropFirst(indent)
        if let column = blockColumn {
          if body.isEmpty || indent > column {
            output.append(body.isEmpty ? line : shifted(line, by: 2 * sequences.count))
            continue
          }
          blockColumn = nil
        }
        if body.isEmpty || (indent == 0 && (body.hasPrefix("#") || body.hasPrefix("---"))) {
          output.append(line)
          openKey = nil
          continue
        }
        let item = body.hasPrefix("- ") || body == "-"
        while let last = sequences.last, indent < last || (indent == last && !item) {
          sequences.removeLast()
        }
        if item, let key = openKey, key == indent { sequences.append(indent) }
        output.append(shifted(line, by: 2 * sequences.count))

        // Where the content of this line starts, past any `- ` item markers.
        var column = indent
        var rest = body
        while rest.hasPrefix("- ") {
          rest = rest.dropFirst(2)
          column += 2
        }
        openKey = rest.hasSuffix(":") ? column : nil
        // A block scalar as a sequence item (`- |`) has its content at the item's column.
        if isBlockHeader(rest) { blockColumn = rest.contains(" ") ? column : column - 1 }
      }
      let joined = output.joined(separator: "\n")
      return finalNewline ? joined + "\n" : joined
    }

    /// Whether a line's last token opens a block scalar: `|`, `>`, with optional indentation
    /// and chomping indicators.
    static func isBlockHeader<S: StringProtocol>(_ text: S) -> Bool {
      let token = String(text).split(separator: " ").last.map(String.init) ?? ""
      guard token.count == text.count || text.hasSuffix(" " + token) else { return false }
      guard let first = token.first, first == "|" || first == ">" else { return false }
      return token.dropFirst().allSatisfy { "+-123456789".contains($0) }
        && token.dropFirst().count <= 2
    }

    private static func shifted(_ line: Substring, by spaces: Int) -> Substring {
      spaces == 0 ? line : Substring(String(repeating: " ", count: spaces) + line)
    }
  }
}
