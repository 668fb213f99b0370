import Spec

/// What `nodespec init` prints: a commented spec to start from, with the newest catalog
/// release of each component that draws no warning, so it compiles under `--strict`.
public enum StarterSpec {
  /// The components the starter installs, in spec order.
  static let installed = ["containerd", "runc", "cni", "nerdctl"]

  /// The newest release of `key` pinned for amd64 and arm64 that no known issue warns about.
  public static func newest(_ key: String, in catalog: Catalog = .builtin) -> String? {
    guard let listing = catalog.listing(key)?.first(where: { $0.option == nil }) else {
      return nil
    }
    return listing.releases.first {
      listing.warnings[$0.version] == nil && $0.arches.contains(.amd64)
        && $0.arches.contains(.arm64)
    }?.version
  }

  /// The starter spec, ending with a newline.
  public static func text(catalog: Catalog = .builtin) -> String {
    func version(_ key: String) -> String { newest(key, in: catalog) ?? "0.0.0" }
    let buildkit = newest("buildkit", in: catalog).map { "#   buildkit: \($0)\n" } ?? ""
    return """
      # A nodespec spec: one node's container runtime. Compile it with
      #   nodespec compile node.yaml --target shell        # or cloud-init, ansible
      # Every key is described in docs/spec.md; `nodespec schema > nodespec.schema.json` and a
      # first line `# yaml-language-server: $schema=nodespec.schema.json` let an editor check it.
      nodespec: 1
      name: node-1                  # a label, in the output's header

      # amd64 | arm64 | auto (detected on the node)
      arch: auto

      # Versions from `nodespec catalog`: each download is checked against its pinned sha256.
      components:
        containerd: \(version("containerd"))
        runc: \(version("runc"))
        cni: \(version("cni"))             # plugins into /opt/cni/bin
        nerdctl: \(version("nerdctl"))
      \(buildkit.isEmpty ? "" : "  # more, e.g.:\n" + buildkit.replacingFirstHash())
      # Registry mirrors, one hosts.toml per registry:
      # registries:
      #   docker.io:
      #     mirrors: [https://mirror.example.com]

      # containerd as kubelet's CRI runtime:
      # kubernetes:
      #   cgroup_driver: systemd
      #   prerequisites: true

      """
  }
}

extension String {
  /// `#   buildkit: …` indented as a comment under `components:`.
  fileprivate func replacingFirstHash() -> String { "  #" + dropFirst(3) }
}
