import Compiler
import Spec

extension ShellBackend.ScriptWriter {
  /// The test that lets a file step end before it starts a process: `ns_file_kept` (or
  /// `ns_user_file_kept`) with the path, the sha256 of the content, mode and owner, written
  /// as `if ! <test>; then`; true when it was written and the step is to be closed with `fi`.
  /// None when a part of the content is read on the node (a secret): its hash is not known
  /// here, and the step compares bytes as before. The helpers are defined beside ns_put_file.
  ///
  /// Only in the script itself, not in cloud-init's apply script: each digest costs about 60
  /// bytes of user-data (hex, compressed, then base64), so 80 registries no longer fit EC2's
  /// 16 KB, and that script first runs on a fresh node, where no manifest can vouch for a file.
  func keptTest(
    _ file: File, into out: inout ByteWriter, helpers: inout [ShellBackend.Helper]
  ) -> Bool {
    guard fileSource == .inline, let text = file.content.literalText else { return false }
    let owner = file.owner ?? Ownership(user: "root", group: "root")
    out.write(file.owner == nil ? "if ! ns_file_kept " : "if ! ns_user_file_kept ")
    out.write(shellWords: [
      file.path, SHA256Digest.hex(text.utf8), String(file.mode, radix: 8), owner.user, owner.group,
    ])
    out.line("; then")
    helpers.append(file.owner == nil ? .keptFile : .keptUserFile)
    return true
  }
}
