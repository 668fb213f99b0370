import Spec

/// Which arches a plan provides artifacts for.
enum ArchResolution {
  /// `arch: auto` covers amd64 and arm64: every component nodespec installs publishes both
  /// (nerdctl-full publishes nothing else), and a plan for arches some component lacks would
  /// only fail on the node. A fixed arch is just that arch.
  static let auto: [Arch] = [.amd64, .arm64]

  static func arches(for choice: ArchChoice) -> [Arch] {
    switch choice {
    case .auto: auto
    case .fixed(let arch): [arch]
    }
  }
}
