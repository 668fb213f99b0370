import CLibYAML

@testable import Spec

/// libyaml's own emitter, kept as a test oracle: what `YAMLEmitter` writes must read back as
/// the same document as what libyaml writes, and be the same bytes where their rules agree.
enum LibYAMLEmitter {
  enum Failure: Error, Equatable {
    case emitter(String)
  }

  /// Emits one document, with an explicit `---` start when `explicitStart` is set.
  /// - Parameter width: preferred line width; long scalars are not folded when it is -1.
  static func emit(_ value: YAMLValue, explicitStart: Bool = false) throws -> String {
    var emitter = yaml_emitter_t()
    guard yaml_emitter_initialize(&emitter) == 1 else { throw Failure.emitter("initialize") }
    defer { yaml_emitter_delete(&emitter) }

    final class Sink { var bytes: [UInt8] = [] }
    let sink = Sink()
    let context = Unmanaged.passUnretained(sink).toOpaque()
    yaml_emitter_set_output(
      &emitter,
      { data, buffer, size in
        guard let data, let buffer else { return 0 }
        let sink = Unmanaged<Sink>.fromOpaque(data).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
        return 1
      }, context)
    yaml_emitter_set_unicode(&emitter, 1)
    yaml_emitter_set_width(&emitter, -1)
    yaml_emitter_set_indent(&emitter, 2)

    func check(_ ok: Int32, _ what: String) throws {
      guard ok == 1 else {
        let problem = emitter.problem.map { String(cString: $0) } ?? what
        throw Failure.emitter(problem)
      }
    }

    func emitEvent(_ build: (UnsafeMutablePointer<yaml_event_t>) -> Int32, _ what: String) throws {
      var event = yaml_event_t()
      guard build(&event) == 1 else { throw Failure.emitter("cannot build \(what) event") }
      try check(yaml_emitter_emit(&emitter, &event), what)
    }

    func emitNode(_ node: YAMLValue) throws {
      switch node {
      case let .scalar(text, style, tag):
        let yamlStyle: yaml_scalar_style_t =
          switch style {
          // libyaml quotes what would not parse as a plain scalar, but not what a YAML 1.1
          // reader (PyYAML in cloud-init and Ansible) would retype: `yes`, `0644`, `~`.
          case .any where tag == nil && YAMLEmitter.wouldRetype(text):
            YAML_SINGLE_QUOTED_SCALAR_STYLE
          case .any: YAML_ANY_SCALAR_STYLE
          case .plain: YAML_PLAIN_SCALAR_STYLE
          case .singleQuoted: YAML_SINGLE_QUOTED_SCALAR_STYLE
          case .doubleQuoted: YAML_DOUBLE_QUOTED_SCALAR_STYLE
          case .literal: YAML_LITERAL_SCALAR_STYLE
          }
        let bytes = Array(text.utf8)
        try emitEvent(
          { event in
            bytes.withUnsafeBufferPointer { buffer in
              withOptionalCString(tag) { tagPointer in
                yaml_scalar_event_initialize(
                  event, nil, tagPointer, buffer.baseAddress, Int32(buffer.count),
                  tag == nil ? 1 : 0, tag == nil ? 1 : 0, yamlStyle)
              }
            }
          }, "scalar")
      case let .sequence(items, flow):
        try emitEvent(
          {
            yaml_sequence_start_event_initialize(
              $0, nil, nil, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
          }, "sequence start")
        for item in items { try emitNode(item) }
        try emitEvent({ yaml_sequence_end_event_initialize($0) }, "sequence end")
      case let .mapping(pairs):
        try emitEvent(
          { yaml_mapping_start_event_initialize($0, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE) },
          "mapping start")
        for (key, value) in pairs {
          try emitNode(.scalar(key))
          try emitNode(value)
        }
        try emitEvent({ yaml_mapping_end_event_initialize($0) }, "mapping end")
      }
    }

    try emitEvent({ yaml_stream_start_event_initialize($0, YAML_UTF8_ENCODING) }, "stream start")
    try emitEvent(
      { yaml_document_start_event_initialize($0, nil, nil, nil, explicitStart ? 0 : 1) },
      "document start")
    try emitNode(value)
    try emitEvent({ yaml_document_end_event_initialize($0, 1) }, "document end")
    try emitEvent({ yaml_stream_end_event_initialize($0) }, "stream end")
    try check(yaml_emitter_flush(&emitter), "flush")
    return String(decoding: sink.bytes, as: UTF8.self)
  }
}

private func withOptionalCString<R>(
  _ string: String?, _ body: (UnsafeMutablePointer<UInt8>?) -> R
) -> R {
  guard let string else { return body(nil) }
  var bytes = Array(string.utf8) + [0]
  return bytes.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
