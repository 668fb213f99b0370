import Compiler
import Spec

/// Renders a Plan as a `#cloud-config` user-data document.
///
/// cloud-init reports only the status of the last `runcmd` entry, so the document has exactly
/// one: it runs the shell target's script, written to the node by `write_files`. The files'
/// contents travel in `write_files` too, staged under `stagedRoot`; the script copies them
/// into place with the same compare-and-rename steps as the shell target (see
/// `ShellBackend.FileSource.staged`), so both targets change, and restart, the same things.
///
/// Every value goes through `YAMLEmitter`; only the leading `#cloud-config` and header comment
/// lines and the `write_files:` key are written as text.
public struct CloudInitBackend: Backend {
  public static let target = Target.cloudInit

  /// nodespec's scratch folder for this engine on the node.
  public static let scratch = "/var/lib/nodespec/cloud-init"
  /// The apply script `runcmd` runs (mode 0700).
  public static let applyScript = scratch + "/apply.sh"
  /// Where file contents are staged (mode 0600 each), followed by each file's absolute path.
  public static let stagedRoot = scratch + "/staged"
  /// EC2's user-data limit, in bytes. Above it the biggest files are compressed
  /// (`encoding: gz+b64`), as few as it takes; if even that does not fit, the whole
  /// user-data is gzip-compressed (`output`); if that does not fit either, an error.
  public static let userDataLimit = 16_384

  /// Write the whole user-data gzip-compressed even when the text fits (`--gzip`).
  public var gzip: Bool

  public init(gzip: Bool = false) { self.gzip = gzip }

  public func render(_ plan: Plan, diagnostics: inout Diagnostics) -> String? {
    document(plan, diagnostics: &diagnostics)?.text
  }

  /// The user-data to deliver: the cloud-config's text when it fits in `userDataLimit`,
  /// else (or always, with `gzip`) the whole text gzip-compressed, which cloud-init
  /// decompresses before anything else (it tries gzip on every user-data: `convert_string`
  /// in cloudinit/user_data.py). Binary, so it goes to a file or a pipe, not a terminal. Nil,
  /// with `cloud-init-size`, when even that is over the limit: by how much, in the message.
  public func output(_ plan: Plan, diagnostics: inout Diagnostics) -> ByteWriter? {
    guard let document = document(plan, diagnostics: &diagnostics) else { return nil }
    guard gzip || document.count > Self.userDataLimit else { return document }
    guard let packed = document.withBytes({ Gzip.compress($0, level: Gzip.thoroughLevel) })
    else {
      diagnostics.error(
        "cloud-init-emit", "cannot gzip the user-data (libdeflate failed)", at: nil)
      return nil
    }
    guard packed.count <= Self.userDataLimit else {
      diagnostics.error(
        "cloud-init-size",
        "the user-data is \(packed.count) bytes even gzip-compressed, "
          + "\(packed.count - Self.userDataLimit) bytes over the \(Self.userDataLimit) bytes EC2 "
          + "accepts (the cloud-config is \(document.count) bytes, its largest files compressed)",
        at: nil,
        hint: "split the node's setup, or deliver it another way (the shell target from a "
          + "small user-data that downloads it)")
      return nil
    }
    var out = ByteWriter(capacity: packed.count)
    out.write(bytes: packed)
    return out
  }

  /// The cloud-config, written once into one buffer: `render` makes it text, `output` takes
  /// its bytes as they are.
  func document(_ plan: Plan, diagnostics: inout Diagnostics) -> ByteWriter? {
    let shell = ShellBackend(fileSource: .staged(root: Self.stagedRoot))
    guard let script = shell.script(plan, diagnostics: &diagnostics) else { return nil }

    var files: [WriteFile] = []
    var staged: [String: String] = [:]
    var duplicates = false
    for resource in plan.resources {
      guard case .file(let file) = resource.kind, ShellBackend.stages(file),
        let content = file.content.literalText
      else { continue }
      if let first = staged[file.path] {
        // Two resources, one staged copy: the script would give both the last content.
        diagnostics.error(
          "plan-duplicate-file", "`\(resource.id)` writes \(file.path), as `\(first)` does",
          at: resource.origin)
        duplicates = true
        continue
      }
      staged[file.path] = resource.id
      let path = ShellBackend.stagedPath(of: file.path, under: Self.stagedRoot)
      files.append(WriteFile(path: path, content: content, permissions: "0600"))
    }
    files.append(WriteFile(path: Self.applyScript, content: script.text, permissions: "0700"))
    guard !duplicates else { return nil }

    var header = ByteWriter(capacity: 512)
    self.header(plan, &header)
    header.line("write_files:")
    let runcmd = Self.runcmd

    // Compressed at the fast level first. A document that does not fit that way is laid out
    // again at the thorough level, as if it were the only level: the same files compressed,
    // the same bytes, as many registries fitting. Only the first file compressed is surely
    // one the thorough level compresses too (it is the biggest, and compressing anything
    // starts only over the limit); a second one may be a file the thorough level would leave
    // readable, so the fast layout stops before it.
    let fixed = header.count + runcmd.count
    var layout = self.layout(files, around: fixed, level: Gzip.fastLevel, compressingAtMost: 1)
    if layout.size > Self.userDataLimit && layout.compressed > 0 {
      layout = self.layout(
        files, around: fixed, level: Gzip.thoroughLevel, compressingAtMost: files.count)
    }

    var output = ByteWriter(capacity: layout.size)
    output.write(contentsOf: header)
    for (file, entry) in zip(files, layout.entries) {
      if let entry {
        output.write(contentsOf: entry)
      } else {
        YAMLEmitter.writeItem(file.yaml, column: 0, to: &output)
      }
    }
    output.write(contentsOf: runcmd)
    return output
  }

  /// The `write_files` entries with the biggest files compressed at `level`, as few as it
  /// takes to bring the document under the limit and at most `most`, and the document's size
  /// with them; `fixed` is the size of the rest of the document. An entry left nil is written
  /// as text by `document`.
  ///
  /// The document's size is the sum of its parts, so checking it needs no re-render. A file
  /// not rendered yet counts as its content's bytes, which its entry can only exceed: while
  /// even that estimate is over the limit, the next file is compressed without being
  /// rendered as text first (the apply script, 30 KB and more, usually is). Once the
  /// estimate fits, the rest are rendered and the size is exact.
  private func layout(
    _ files: [WriteFile], around fixed: Int, level: Int32, compressingAtMost most: Int
  ) -> (entries: [ByteWriter?], size: Int, compressed: Int) {
    var entries = [ByteWriter?](repeating: nil, count: files.count)
    var size = fixed + files.reduce(0) { $0 + $1.content.utf8.count }
    var compressed = 0
    let bySize = files.indices.sorted {
      let (a, b) = (files[$0].content.utf8.count, files[$1].content.utf8.count)
      return a != b ? a > b : $0 < $1
    }
    for index in bySize {
      if size <= Self.userDataLimit {
        for other in files.indices where entries[other] == nil {
          let plain = entry(files[other])
          size += plain.count - files[other].content.utf8.count
          entries[other] = plain
        }
      }
      guard size > Self.userDataLimit, compressed < most,
        files[index].content.utf8.count >= Self.compressionThreshold,
        let packed = packedEntry(files[index], level: level)
      else { break }
      size += packed.count - (entries[index]?.count ?? files[index].content.utf8.count)
      entries[index] = packed
      compressed += 1
    }
    return (entries, size, compressed)
  }

  /// Files smaller than this stay readable even when the document is over the limit.
  static let compressionThreshold = 1_024

  /// One `write_files` entry, owned by root.
  struct WriteFile {
    var path: String
    var content: String
    /// Octal, as cloud-init reads it, e.g. `0600`.
    var permissions: String

    /// The entry with its content as text.
    var yaml: YAMLValue { .mapping(attributes + [("content", .scalar(content, style: .literal))]) }

    /// Every key but the content.
    var attributes: [(String, YAMLValue)] {
      [
        ("path", .scalar(path)),
        ("owner", .scalar("root:root")),
        // Quoted: YAML 1.1 reads a plain 0600 as the integer 384.
        ("permissions", .scalar(permissions, style: .singleQuoted)),
      ]
    }
  }

  /// One `write_files` entry as the document holds it: `- path: ...` at the first column
  /// (cloud-init's examples, like libyaml, write sequences at their key's column).
  private func entry(_ file: WriteFile) -> ByteWriter {
    var out = ByteWriter(capacity: file.content.utf8.count + file.content.utf8.count / 8 + 256)
    YAMLEmitter.writeItem(file.yaml, column: 0, to: &out)
    return out
  }

  /// The entry with its content gzip-compressed, in base64 (`encoding: gz+b64`); nil when it
  /// cannot be compressed. The base64 lines go straight into the literal block: none of its
  /// characters needs quoting, so the YAML writer's scan of them would find nothing.
  private func packedEntry(_ file: WriteFile, level: Int32) -> ByteWriter? {
    var content = file.content
    guard let packed = content.withUTF8({ Gzip.compress($0, level: level) }) else { return nil }
    var out = ByteWriter(capacity: packed.count / 57 * 81 + 81 + 256)
    YAMLEmitter.writeItem(
      .mapping(file.attributes + [("encoding", .scalar("gz+b64"))]), column: 0, to: &out)
    out.line("  content: |")
    Gzip.base64(packed, indent: 4, to: &out)
    return out
  }

  /// The document's last key: one entry, and bash runs the script with its own
  /// `set -euo pipefail`: a failing step fails this entry, which cloud-init then reports as the
  /// boot's failure.
  private static let runcmd: ByteWriter = {
    var out = ByteWriter()
    YAMLEmitter.write(
      .mapping([
        ("runcmd", .sequence([.sequence([.scalar("bash"), .scalar(applyScript)], flow: true)]))
      ]), to: &out)
    return out
  }()

  private func header(_ plan: Plan, _ out: inout ByteWriter) {
    out.line("#cloud-config")
    out.line("# Generated by nodespec, do not edit: change the spec and compile again.")
    if let name = plan.name {
      out.write("# Spec: ")
      out.line(ShellQuoting.commentText(name))
    }
    out.line("# write_files stages every file and the apply script under \(Self.scratch);")
    out.line("# the one runcmd entry runs the script, so its failure is the boot's failure.")
  }
}
