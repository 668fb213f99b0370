import Spec

extension AnsibleBackend {
  /// One entry of a `tasks:` or `handlers:` list: a module call or a block, with its keywords.
  ///
  /// Keys come out in a fixed order, `name` first and `block`/`rescue`/`always` last (the order
  /// ansible-lint's `key-order` rule expects and people write by hand).
  struct Task {
    /// The task's name. Ansible templates names too, so one built from Plan strings goes
    /// through `Scalar.literal`; `named(template:)` sets one that is a template on purpose.
    var name: YAMLValue
    /// The module a call runs (`ansible.builtin.copy`); empty for a block. Kept apart from
    /// its arguments rather than as a one-pair array: one heap object less per task.
    var module: String
    /// The module's arguments: a mapping, or a bare scalar (`meta: flush_handlers`).
    var arguments: YAMLValue
    /// Task keywords (`when`, `register`, `notify`, ...), in the order given.
    var keywords: [(String, YAMLValue)]
    /// A block's lists of tasks; nil for a module call. Kept in one box rather than as three
    /// arrays of every task: a module call (most tasks) then holds one reference less to copy
    /// and release, not three empty arrays.
    var nested: Nested?

    /// The lists under a block's `block:`, `rescue:` and `always:`.
    final class Nested {
      let block: [Task]
      let rescue: [Task]
      let always: [Task]

      init(block: [Task], rescue: [Task], always: [Task]) {
        self.block = block
        self.rescue = rescue
        self.always = always
      }
    }

    /// A module call; `module` is the fully qualified name, e.g. `ansible.builtin.copy`.
    init(_ name: String, _ module: String, _ args: [(String, YAMLValue)]) {
      self.name = Scalar.literal(name)
      self.module = module
      self.arguments = .mapping(args)
      self.keywords = []
      self.nested = nil
    }

    /// A module that takes a bare argument, such as `ansible.builtin.meta: flush_handlers`.
    init(_ name: String, _ module: String, freeForm argument: String) {
      self.init(name, module, [])
      self.arguments = .scalar(argument)
    }

    /// A block; `rescue` tasks run when one of `tasks` failed, `always` tasks in any case.
    init(block name: String, _ tasks: [Task], rescue: [Task] = [], always: [Task] = []) {
      self.name = Scalar.literal(name)
      self.module = ""
      self.arguments = .mapping([])
      self.keywords = []
      self.nested = Nested(block: tasks, rescue: rescue, always: always)
    }

    // The modifiers below are `consuming`: a chain such as `Task(...).register(...).when(...)`
    // then moves the task along instead of copying it (and its keyword array) at each step.

    /// The task named by a Jinja template written by this backend.
    consuming func named(template: String) -> Task {
      name = Scalar.template(template)
      return self
    }

    /// The task with one more keyword.
    /// Consuming: a chain of `.with(...)` on a new task appends in place, no array copied.
    /// (`value` is consumed too: appended without a copy of the caller's new value.)
    consuming func with(_ keyword: String, _ value: consuming YAMLValue) -> Task {
      // Most tasks get two to four keywords: room for four at once, not 1, 2, then 4.
      if keywords.isEmpty { keywords.reserveCapacity(4) }
      keywords.append((keyword, value))
      return self
    }

    /// The task with a `when:` condition (a Jinja expression written by this backend).
    consuming func when(_ condition: String) -> Task { with("when", Scalar.template(condition)) }

    /// The task run when any of the conditions holds: one condition a line, so that long
    /// ones stay readable (Jinja reads the line breaks as spaces).
    consuming func when(anyOf conditions: [String]) -> Task {
      guard conditions.count > 1 else { return when(conditions.first ?? "true") }
      return with("when", .scalar(conditions.joinedUTF8(separator: "\nor "), style: .literal))
    }

    /// The task run when all of the conditions hold (Ansible's list form of `when`).
    consuming func when(allOf conditions: [String]) -> Task {
      with("when", .sequence(conditions.map(Scalar.template)))
    }

    consuming func register(_ variable: String) -> Task { with("register", .scalar(variable)) }

    /// The task with `changed_when:`, a condition or a constant.
    consuming func changedWhen(_ condition: String) -> Task {
      with(
        "changed_when",
        condition == "true" || condition == "false"
          ? .scalar(condition, style: .plain) : Scalar.template(condition))
    }

    /// The task with `vars:`, in the order given, after any it already has.
    consuming func vars(_ pairs: [(String, YAMLValue)]) -> Task {
      guard !pairs.isEmpty else { return self }
      if let index = keywords.firstIndex(where: { $0.0 == "vars" }),
        case .mapping(let existing) = keywords[index].1
      {
        keywords[index].1 = .mapping(existing + pairs)
        return self
      }
      return with("vars", .mapping(pairs))
    }

    /// The task notifying these handler topics, if any.
    consuming func notify(_ topics: [String]) -> Task {
      topics.isEmpty ? self : with("notify", Scalar.list(topics))
    }

    /// Marks the task's output as secret: Ansible then prints neither arguments nor results.
    consuming func secret(_ isSecret: Bool = true) -> Task {
      isSecret ? with("no_log", Scalar.bool(true)) : self
    }

    /// The task as a mapping, for the tests that compare `write` with `YAMLEmitter`.
    var yaml: YAMLValue {
      var pairs: [(String, YAMLValue)] = [("name", name)]
      if !module.isEmpty { pairs.append((module, arguments)) }
      pairs += keywords
      if let nested {
        for (key, tasks) in [
          ("block", nested.block), ("rescue", nested.rescue), ("always", nested.always),
        ] where !tasks.isEmpty {
          pairs.append((key, .sequence(tasks.map(\.yaml))))
        }
      }
      return .mapping(pairs)
    }

    /// Writes the task as an entry of a block sequence, its `- ` at `column` (the indentation
    /// already written), the same bytes `YAMLEmitter` writes for the task as a mapping; the
    /// task is not turned into a `YAMLValue` first (that copy and its release cost more than
    /// writing it).
    func write(column: Int, to out: inout ByteWriter) {
      out.write(byte: UInt8(ascii: "-"), UInt8(ascii: " "))
      let column = column + 2
      var first = true
      func pair(_ key: String, _ value: YAMLValue) {
        if !first { out.indent(column) }
        first = false
        YAMLEmitter.writePair(key, value, column: column, to: &out, indentSequences: true)
      }
      pair("name", name)
      if !module.isEmpty { pair(module, arguments) }
      for index in keywords.indices { pair(keywords[index].0, keywords[index].1) }
      guard let nested else { return }
      if !nested.block.isEmpty {
        out.indent(column)
        Self.write("block", nested.block, column: column, to: &out)
      }
      if !nested.rescue.isEmpty {
        out.indent(column)
        Self.write("rescue", nested.rescue, column: column, to: &out)
      }
      if !nested.always.isEmpty {
        out.indent(column)
        Self.write("always", nested.always, column: column, to: &out)
      }
    }

    /// `key:` and the tasks under it, indented as ansible-lint wants.
    static func write(_ key: String, _ tasks: [Task], column: Int, to out: inout ByteWriter) {
      out.write(key)
      out.line(":")
      writeEntries(tasks, column: column + 2, to: &out)
    }

    /// Each task as an entry of a block sequence, its `- ` at `column`.
    static func writeEntries(_ tasks: [Task], column: Int, to out: inout ByteWriter) {
      // Through the buffer: `for task in tasks`, and even `tasks[index].write`, copy each task
      // (a retain of each of its fields, then a release) to call its method.
      tasks.withUnsafeBufferPointer { tasks in
        for index in tasks.indices {
          out.indent(column)
          tasks[index].write(column: column, to: &out)
        }
      }
    }
  }
}
