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
    let shell = ShellBackend(fileSource: .staged(root: Self.stagedRoot))
    guard let script = shell.render(plan, diagnostics: &diagnostics) else { return nil }

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
    files.append(WriteFile(path: Self.applyScript, content: script, permissions: "0700"))
    guard !duplicates else { return nil }

    // Each entry is rendered once, and again only when its file is compressed: the size of
    // the document is the sum of its parts, so checking it needs no re-render.
    var entries = files.map(entry)
    var header = ByteWriter(capacity: 512)
    self.header(plan, &header)
    header.line("write_files:")
    let runcmd = Self.runcmd
    var size = header.count + entries.reduce(0) { $0 + $1.count } + runcmd.count
    // Over the limit: compress the biggest files first, and only as many as it takes.
    let bySize = files.indices.sorted {
      let (a, b) = (files[$0].content.utf8.count, files[$1].content.utf8.count)
      return a != b ? a > b : $0 < $1
    }
    for index in bySize where size > Self.userDataLimit {
      guard files[index].content.utf8.count >= Self.compressionThreshold else { break }
      guard let packed = Gzip.compress(Array(files[index].content.utf8)) else { break }
      files[index].packed = Gzip.base64(packed)
      let packedEntry = entry(files[index])
      size += packedEntry.count - entries[index].count
      entries[index] = packedEntry
    }
    var output = header
    for entry in entries { output.write(bytes: entry.bytes) }
    output.write(bytes: runcmd.bytes)
    return output.text
  }

  /// The user-data to deliver: the cloud-config's text when it fits in `userDataLimit`,
  /// else (or always, with `gzip`) the whole text gzip-compressed, which cloud-init
  /// decompresses before anything else (it tries gzip on every user-data: `convert_string`
  /// in cloudinit/user_data.py). Binary, so it goes to a file or a pipe, not a terminal. Nil,
  /// with `cloud-init-size`, when even that is over the limit: by how much, in the message.
  public func output(_ plan: Plan, diagnostics: inout Diagnostics) -> [UInt8]? {
    guard let text = render(plan, diagnostics: &diagnostics) else { return nil }
    let bytes = Array(text.utf8)
    guard gzip || bytes.count > Self.userDataLimit else { return bytes }
    guard let packed = Gzip.compress(bytes) else {
      diagnostics.error("cloud-init-emit", "cannot gzip the user-data (zlib failed)", at: nil)
      return nil
    }
    guard packed.count <= Self.userDataLimit else {
      diagnostics.error(
        "cloud-init-size",
        "the user-data is \(packed.count) bytes even gzip-compressed, "
          + "\(packed.count - Self.userDataLimit) bytes over the \(Self.userDataLimit) bytes EC2 "
          + "accepts (the cloud-config is \(bytes.count) bytes, its largest files compressed)",
        at: nil,
        hint: "split the node's setup, or deliver it another way (the shell target from a "
          + "small user-data that downloads it)")
      return nil
    }
    return packed
  }

  /// Files smaller than this stay readable even when the document is over the limit.
  static let compressionThreshold = 1_024

  /// One `write_files` entry, owned by root.
  struct WriteFile {
    var path: String
    var content: String
    /// Octal, as cloud-init reads it, e.g. `0600`.
    var permissions: String
    /// The content gzip-compressed and in base64, written with `encoding: gz+b64` instead
    /// of the text.
    var packed: String?

    var yaml: YAMLValue {
      var pairs: [(String, YAMLValue)] = [
        ("path", .scalar(path)),
        ("owner", .scalar("root:root")),
        // Quoted: YAML 1.1 reads a plain 0600 as the integer 384.
        ("permissions", .scalar(permissions, style: .singleQuoted)),
      ]
      if let packed {
        pairs.append(("encoding", .scalar("gz+b64")))
        pairs.append(("content", .scalar(packed, style: .literal)))
      } else {
        pairs.append(("content", .scalar(content, style: .literal)))
      }
      return .mapping(pairs)
    }
  }

  /// One `write_files` entry as the document holds it: `- path: ...` at the first column
  /// (cloud-init's examples, like libyaml, write sequences at their key's column).
  private func entry(_ file: WriteFile) -> ByteWriter {
    var out = ByteWriter(capacity: file.packed?.utf8.count ?? file.content.utf8.count + 256)
    YAMLEmitter.writeItem(file.yaml, column: 0, to: &out)
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
