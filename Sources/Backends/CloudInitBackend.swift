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
/// Every value goes through `YAMLEmitter` (libyaml); only the leading `#cloud-config` and
/// header comment lines are written as text.
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

    do {
      var output = try document(plan, files)
      // Over the limit: compress the biggest files first, and only as many as it takes.
      let bySize = files.indices.sorted {
        let (a, b) = (files[$0].content.utf8.count, files[$1].content.utf8.count)
        return a != b ? a > b : $0 < $1
      }
      // Each file is compressed once, when it is picked; re-rendering reuses its bytes.
      for index in bySize where output.utf8.count > Self.userDataLimit {
        guard files[index].content.utf8.count >= Self.compressionThreshold else { break }
        guard let packed = Gzip.compress(Array(files[index].content.utf8)) else { break }
        files[index].packed = Gzip.base64(packed)
        output = try document(plan, files)
      }
      return output
    } catch {
      diagnostics.error("cloud-init-emit", "cannot write the cloud-config: \(error)", at: nil)
      return nil
    }
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

  private func document(_ plan: Plan, _ files: [WriteFile]) throws -> String {
    let document = YAMLValue.mapping([
      ("write_files", .sequence(files.map(\.yaml))),
      // One entry, and bash runs the script with its own `set -euo pipefail`: a failing step
      // fails this entry, which cloud-init then reports as the boot's failure.
      ("runcmd", .sequence([.sequence([.scalar("bash"), .scalar(Self.applyScript)], flow: true)])),
    ])
    return try header(plan) + YAMLEmitter.emit(document)
  }

  private func header(_ plan: Plan) -> String {
    var lines = [
      "#cloud-config",
      "# Generated by nodespec, do not edit: change the spec and compile again.",
    ]
    if let name = plan.name {
      lines.append("# Spec: \(ShellQuoting.commentText(name))")
    }
    lines += [
      "# write_files stages every file and the apply script under \(Self.scratch);",
      "# the one runcmd entry runs the script, so its failure is the boot's failure.",
    ]
    return lines.joined(separator: "\n") + "\n"
  }
}
