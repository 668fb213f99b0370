import Compiler

extension ShellBackend.ScriptWriter {
  /// The test that lets a file step end before it starts a process: `ns_file_kept` (or
  /// `ns_user_file_kept`) with the path, the sha256 of the content, mode and owner. Nil when
  /// a part of the content is read on the node (a secret): its hash is not known here, and
  /// the step compares bytes as before. The helpers are defined beside ns_put_file.
  ///
  /// Only in the script itself, not in cloud-init's apply script: each digest costs about 60
  /// bytes of user-data (hex, compressed, then base64), so 80 registries no longer fit EC2's
  /// 16 KB, and that script first runs on a fresh node, where no manifest can vouch for a file.
  func keptTest(_ file: File) -> Step? {
    guard fileSource == .inline, let text = file.content.literalText else { return nil }
    let owner = file.owner ?? Ownership(user: "root", group: "root")
    let call = file.owner == nil ? "ns_file_kept" : "ns_user_file_kept"
    let words = [
      file.path, SHA256.hex(text.utf8), String(file.mode, radix: 8), owner.user, owner.group,
    ]
    return Step(
      text: "\(call) \(ShellQuoting.quote(words))",
      helpers: [file.owner == nil ? .keptFile : .keptUserFile])
  }
}
