import Spec

/// A downloadable release a catalog entry pins: how its assets are named per arch, where they
/// are published and which checksum file the project publishes next to them
/// (domain-facts.md sections 1 and 2).
public enum CatalogComponent: String, Sendable, Hashable, CaseIterable, Comparable {
  case containerd
  /// The static build of containerd (musl and old glibc), 1.7 and later.
  case containerdStatic = "containerd-static"
  case runc
  case cni
  case nerdctl
  case nerdctlFull = "nerdctl-full"
  case buildkit
  /// cri-tools' crictl, the CRI command-line client (Kubernetes nodes).
  case crictl
  /// RootlessKit and slirp4netns (rootless mode without nerdctl-full). The catalog pins no
  /// hash for them: the spec gives `sha256:`, or `verify: published` for RootlessKit.
  case rootlesskit
  case slirp4netns
  /// crun (`runtimes.crun`): a static binary per arch, tags without a leading `v`.
  case crun
  /// youki (`runtimes.youki`): a tarball per arch holding `youki`, README.md and LICENSE.
  case youki
  /// gVisor's `runsc` and its containerd shim (`runtimes.runsc`): raw binaries from Google's
  /// bucket, not GitHub, pinned by sha512 (the only hash gVisor publishes).
  case runsc
  case runscShim = "containerd-shim-runsc-v1"
  /// Kata Containers (`runtimes.kata`): one `kata-static` `.tar.xz` per arch whose members all
  /// lie under `./opt/kata` (kata's binaries and configurations name that prefix).
  case kata

  /// `owner/repo` on GitHub.
  public var repository: String {
    switch self {
    case .containerd, .containerdStatic: "containerd/containerd"
    case .runc: "opencontainers/runc"
    case .cni: "containernetworking/plugins"
    case .nerdctl, .nerdctlFull: "containerd/nerdctl"
    case .buildkit: "moby/buildkit"
    case .crictl: "kubernetes-sigs/cri-tools"
    case .rootlesskit: "rootless-containers/rootlesskit"
    case .slirp4netns: "rootless-containers/slirp4netns"
    case .crun: "containers/crun"
    case .youki: "youki-dev/youki"
    case .runsc, .runscShim: "google/gvisor"
    case .kata: "kata-containers/kata-containers"
    }
  }

  /// The arch as this project spells it in asset names; nil when it publishes none for it.
  public func assetArch(_ arch: Arch) -> String? {
    switch (self, arch) {
    // `uname -m` names (nerdctl's Dockerfile maps amd64 and arm64 so); other arches are not
    // verified, so they are not offered.
    case (.rootlesskit, .amd64), (.slirp4netns, .amd64): "x86_64"
    case (.rootlesskit, .arm64), (.slirp4netns, .arm64): "aarch64"
    case (.rootlesskit, _), (.slirp4netns, _): nil
    // kubespray pins crun for these three (`crun-VER-linux-ARCH`).
    case (.crun, .amd64), (.crun, .arm64), (.crun, .ppc64le): arch.rawValue
    case (.crun, _): nil
    // youki and gVisor name the arch as `uname -m` does, and kubespray pins these two.
    case (.youki, .amd64), (.runsc, .amd64), (.runscShim, .amd64): "x86_64"
    case (.youki, .arm64), (.runsc, .arm64), (.runscShim, .arm64): "aarch64"
    case (.youki, _), (.runsc, _), (.runscShim, _): nil
    // kubespray pins kata for these two (`kata-static-VER-ARCH.tar.xz`).
    case (.kata, .amd64), (.kata, .arm64): arch.rawValue
    case (.kata, _): nil
    case (.containerd, .arm), (.containerdStatic, .arm): nil
    case (.nerdctlFull, .amd64), (.nerdctlFull, .arm64): arch.rawValue
    case (.nerdctlFull, _): nil
    // runc uses Debian arch names; the 32-bit arm asset is the hard-float one.
    case (.runc, .arm): "armhf"
    // nerdctl and BuildKit build GOARM=7 and say so in the name.
    case (.nerdctl, .arm), (.buildkit, .arm): "arm-v7"
    default: arch.rawValue
    }
  }

  /// The arches this project publishes Linux assets for, in `Arch` order.
  public var publishedArches: [Arch] { Arch.allCases.filter { assetArch($0) != nil } }

  /// The release asset's file name, e.g. `containerd-2.0.0-linux-amd64.tar.gz`; nil when the
  /// project publishes nothing for the arch.
  public func assetName(version: String, arch: Arch) -> String? {
    guard let a = assetArch(arch) else { return nil }
    return switch self {
    case .containerd: "containerd-\(version)-linux-\(a).tar.gz"
    case .containerdStatic: "containerd-static-\(version)-linux-\(a).tar.gz"
    case .runc: "runc.\(a)"
    case .cni: "cni-plugins-linux-\(a)-v\(version).tgz"
    case .nerdctl: "nerdctl-\(version)-linux-\(a).tar.gz"
    case .nerdctlFull: "nerdctl-full-\(version)-linux-\(a).tar.gz"
    case .buildkit: "buildkit-v\(version).linux-\(a).tar.gz"
    case .crictl: "crictl-v\(version)-linux-\(a).tar.gz"
    case .rootlesskit: "rootlesskit-\(a).tar.gz"
    case .slirp4netns: "slirp4netns-\(a)"
    case .crun: "crun-\(version)-linux-\(a)"
    // The glibc build, as kubespray's youki_download_url; youki also publishes `-musl`.
    case .youki: "youki-\(version)-\(a)-gnu.tar.gz"
    case .runsc: "runsc"
    case .runscShim: "containerd-shim-runsc-v1"
    case .kata: "kata-static-\(version)-\(a).tar.xz"
    }
  }

  /// The release's download folder, `https://github.com/OWNER/REPO/releases/download/vVER`.
  public func releaseBase(version: String) -> String {
    // crun and kata tag their releases without a `v` (kubespray's crun_download_url and
    // kata_containers_download_url).
    let tag = self == .crun || self == .kata ? version : "v\(version)"
    return "\(Self.github)/\(repository)/releases/download/\(tag)"
  }

  /// The asset's URL; nil when the project publishes nothing for the arch.
  public func assetURL(version: String, arch: Arch) -> String? {
    guard let asset = assetName(version: version, arch: arch) else { return nil }
    switch self {
    // gVisor's bucket has a folder per arch (kubespray's gvisor_runsc_download_url).
    case .runsc, .runscShim:
      return "\(Self.gvisorReleases)/\(version)/\(assetArch(arch) ?? "")/\(asset)"
    default:
      return "\(releaseBase(version: version))/\(asset)"
    }
  }

  /// Where gVisor publishes its releases; `downloads.mirror` does not rewrite it (the mirror
  /// stands for GitHub), so an air-gapped node gives `url:`.
  public static let gvisorReleases = "https://storage.googleapis.com/gvisor/releases/release"

  /// The checksum file (sha256sum format) the project publishes for the asset; nil for
  /// BuildKit, which publishes none.
  public func checksumURL(version: String, arch: Arch) -> String? {
    guard let asset = assetName(version: version, arch: arch) else { return nil }
    let base = releaseBase(version: version)
    return switch self {
    case .containerd, .containerdStatic: "\(base)/\(asset).sha256sum"
    case .runc: "\(base)/runc.sha256sum"
    case .cni: "\(base)/\(asset).sha256"
    case .nerdctl, .nerdctlFull: "\(base)/SHA256SUMS"
    case .rootlesskit: "\(base)/SHA256SUMS"
    // slirp4netns's checksum file is not verified research: pin `sha256:` instead.
    // crictl publishes `<asset>.sha256` files whose format is not verified research either:
    // its pins come from kubespray's checksums.yml.
    case .buildkit, .slirp4netns, .crictl: nil
    // crun publishes no checksum file beside its binaries that nodespec has verified; youki's
    // is not verified research either. gVisor publishes `<asset>.sha512`, and
    // `verify: published` reads sha256 files only: its pins come from kubespray.
    // kata publishes no checksum file beside its tarballs that nodespec has verified.
    case .crun, .youki, .runsc, .runscShim, .kata: nil
    }
  }

  /// The prefix `downloads.mirror` replaces.
  public static let github = "https://github.com"

  public static func < (a: CatalogComponent, b: CatalogComponent) -> Bool {
    a.rawValue < b.rawValue
  }
}
