import Compiler
import Foundation
import Spec
import Testing

@testable import Backends

/// A folder or file with an owner (rootless mode's `~/.config`) is made and written by a
/// process running as that owner, never by root, in every target: root following a symlink
/// the user planted there would hand the user what it points at. (IntegrationTests/system/rootless.sh
/// applies this for real, with a planted `~/.config -> <root's folder>`.)
@Suite struct OwnedResourceTests {
  static let owner = Ownership(user: "builder", group: "builder")

  static let plan = Plan(
    name: "owned", arches: [.amd64],
    resources: [
      Resource(
        id: "folder", origin: nil,
        kind: .directory(Directory(path: "/home/builder/.config", mode: 0o700, owner: owner))),
      Resource(
        id: "literal", origin: nil,
        kind: .file(
          File(
            path: "/home/builder/.config/a/plain.toml", content: .init("# generated\nx = 1\n"),
            owner: owner))),
      Resource(
        id: "secret", origin: nil,
        kind: .file(
          File(
            path: "/home/builder/.config/b/hosts.toml",
            content: .init([
              .text("h = \""), .escapedSecretFile(path: "/etc/token", escaping: .tomlBasicString),
              .text("\"\n"),
            ]), mode: 0o600, owner: owner))),
      Resource(
        id: "root", origin: nil,
        kind: .file(File(path: "/etc/x.conf", content: .init("# generated\n")))),
    ])

  @Test(arguments: [
    ShellBackend(), ShellBackend(fileSource: .staged(root: CloudInitBackend.stagedRoot)),
  ])
  func shellWritesAsTheOwner(_ backend: ShellBackend) throws {
    let script = try ShellTestSupport.render(Self.plan, with: backend)
    #expect(script.contains("ns_user_directory '/home/builder/.config' 700 'builder' 'builder'"))
    #expect(
      script.contains("ns_put_user_file '/home/builder/.config/a/plain.toml' 644 'builder'"))
    #expect(
      script.contains("ns_put_user_file '/home/builder/.config/b/hosts.toml' 600 'builder'"))
    // The content is assembled in root's private folder, never beside the user's file.
    #expect(!script.contains("ns_begin_file '/home/builder"))
    #expect(!script.contains("ns_put_file '/home/builder"))
    #expect(!script.contains("ns_directory '/home/builder"))
    // Root's own files stay root's steps.
    #expect(script.contains("ns_put_file '/etc/x.conf' 644 'root' 'root'"))
    // The user's side runs with the user's IDs, never through root's chown/chmod.
    #expect(script.contains("setpriv --reuid="))
  }

  @Test func ansibleBecomesTheOwner() throws {
    let text = AnsibleTestSupport.render(Self.plan)
    var diagnostics = Diagnostics()
    let root = try #require(
      YAMLReader.read(SourceFile(path: "p.yml", text: text), diagnostics: &diagnostics))
    var touching: [(String, String?)] = []
    func visit(_ node: YAMLNode, user: String?) {
      guard case .mapping(let pairs) = node.kind else {
        if case .sequence(let items) = node.kind { for item in items { visit(item, user: user) } }
        return
      }
      let become = pairs.first { $0.key.scalar?.text == "become_user" }?.value.scalar?.text
      let user = become ?? user
      for pair in pairs {
        let module = pair.key.scalar?.text ?? ""
        if ["ansible.builtin.file", "ansible.builtin.copy"].contains(module),
          case .mapping(let args) = pair.value.kind,
          let path = args.first(where: { ["path", "dest"].contains($0.key.scalar?.text) })?
            .value.scalar?.text
        {
          touching.append((path, user))
        }
        visit(pair.value, user: user)
      }
    }
    visit(root, user: nil)
    let home = touching.filter { $0.0.hasPrefix("/home/builder") }
    // ~/.config, the two files and the parents `a` and `b` the files need.
    #expect(home.count == 5, "\(touching)")
    for (path, user) in home {
      #expect(user == "builder", "\(path) is written as \(user ?? "root")")
    }
    #expect(touching.contains { $0.0 == "/etc/x.conf" && $0.1 == nil })
  }
}
