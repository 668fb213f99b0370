// swift-tools-version:6.0
import PackageDescription

// The libFuzzer target links libFuzzer's own main, so it exists only when asked for:
// NODESPEC_FUZZ=1 swift build --product nodespec-fuzz -Xswiftc -sanitize=fuzzer
let fuzzing = Context.environment["NODESPEC_FUZZ"] == "1"

// Release builds on Linux put each of our functions in a section of its own, so that the
// linker can place the code one compile runs next to each other (`linkerSettings` below).
// They also reach the metadata of a generic type they use (an array of our structs, a
// dictionary) through its accessor, not by its mangled name: a mangled name is demangled at
// run time on first use, which cost every run about 0.8 M instructions (docs/performance.md).
let releaseSwiftSettings: [SwiftSetting] = [
  .unsafeFlags(
    [
      "-Xfrontend", "-function-sections",
      "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
    ],
    .when(platforms: [.linux], configuration: .release))
]

let package = Package(
  name: "nodespec",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "nodespec", targets: ["nodespec"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    // Already in the graph through swift-certificates; named for its SHA-256 (Backends).
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"6.0.0"),
  ],
  targets: [
    // libyaml, from the system (Debian: libyaml-dev). Only `Spec` imports it.
    .systemLibrary(
      name: "CLibYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
    ),
    // libdeflate, from the system (Debian: libdeflate-dev), for cloud-init's gzip. Only
    // `Backends` imports it.
    .systemLibrary(
      name: "CLibDeflate",
      pkgConfig: "libdeflate",
      providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]
    ),
    // syncfs and sync_file_range, which Swift's Glibc module does not declare: the batch's one
    // sync for all its outputs (Sources/nodespec/BatchCompile.swift).
    .target(name: "CFileSync"),
    .target(name: "Spec", dependencies: ["CLibYAML"], swiftSettings: releaseSwiftSettings),
    // X509 (swift-certificates) parses the PEMs a spec delivers.
    .target(
      name: "Compiler",
      dependencies: [
        "Spec", .product(name: "X509", package: "swift-certificates"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
      ],
      swiftSettings: releaseSwiftSettings),
    .target(
      name: "Backends",
      dependencies: [
        "Compiler", "CLibDeflate", .product(name: "Crypto", package: "swift-crypto"),
      ],
      swiftSettings: releaseSwiftSettings),
    .executableTarget(
      name: "nodespec",
      dependencies: [
        "Spec", "Compiler", "Backends", "CFileSync",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // A Linux release is one static executable: loading the Swift runtime's shared libraries
      // and relocating a position-independent binary cost more than compiling a spec does
      // (docs/performance.md). libyaml and libdeflate link from the system's static archives.
      // ArgumentParser is compiled for the shared runtime, so its objects name only
      // FoundationEssentials; the static archive of that needs its own dependencies named.
      // Linked by the toolchain's lld, with the functions a compile runs placed first
      // (linker/hot-symbols.txt, made by bench/hot-symbols.sh): a short process's time is as
      // much its page faults as its instructions, and the code it runs was spread over the
      // 15 MB of text (lld and the order: 335 page faults down to 230; docs/performance.md).
      swiftSettings: releaseSwiftSettings,
      linkerSettings: [
        .unsafeFlags(
          [
            "-static-executable",
            "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
            "-use-ld=lld",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/linker/hot-symbols.txt",
            "-Xlinker", "--no-warn-symbol-ordering",
          ],
          .when(platforms: [.linux], configuration: .release))
      ]
    ),
    .testTarget(name: "SpecTests", dependencies: ["Spec"]),
    .testTarget(name: "CompilerTests", dependencies: ["Compiler"]),
    // Golden fixtures are read by path (and re-recorded with NODESPEC_RECORD=1), not bundled.
    .testTarget(name: "BackendsTests", dependencies: ["Backends"], exclude: ["Fixtures"]),
    // The executable's own command-line handling (CommonCommandLine against ArgumentParser).
    .testTarget(
      name: "NodespecTests",
      dependencies: [
        "nodespec", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
  ]
)

if fuzzing {
  package.products.append(.executable(name: "nodespec-fuzz", targets: ["NodespecFuzz"]))
  package.targets.append(
    .executableTarget(
      name: "NodespecFuzz", dependencies: ["Spec", "Compiler", "Backends"],
      path: "Fuzz/NodespecFuzz",
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
