import Spec

/// Turns a validated `NodeSpec` into a `Plan`, one module per concern.
public enum Compiler {
  /// The modules, in the order their resources are applied on the node: kernel prerequisites
  /// first, then binaries before the configs that name them. Services come after all of them
  /// (`PlanBuilder`), so every restart follows every change that asks for it.
  static let modules: [any CompilerModule.Type] = [
    KubernetesModule.self,
    RuncModule.self,
    CNIModule.self,
    ContainerdModule.self,
    NerdctlFullModule.self,
    RegistriesModule.self,
    NerdctlModule.self,
    BuildKitModule.self,
  ]

  /// - Parameter environment: the compiling machine's environment, for header values the spec
  ///   takes from it (the command-line target passes it in; nothing else reads it).
  /// - Parameter catalog: the pinned checksums; the built-in one unless a test says otherwise.
  /// - Returns: nil when there are errors; every problem goes to `diagnostics`.
  public static func compile(
    _ spec: NodeSpec, environment: [String: String] = [:], catalog: Catalog = .builtin,
    diagnostics: inout Diagnostics
  ) -> Plan? {
    let errorsBefore = diagnostics.errors.count
    if spec.mode.value == .rootless {
      diagnostics.error(
        "rootless-not-supported-yet", "rootless mode is not supported yet", at: spec.mode.range,
        path: "mode", hint: "use `mode: root` for now")
    }
    checkPrefix(spec.prefix, diagnostics: &diagnostics)
    Downloads.check(spec.downloads, diagnostics: &diagnostics)

    let context = CompileContext(
      spec: spec, arches: ArchResolution.arches(for: spec.arch.value), environment: environment,
      catalog: catalog, paths: Paths(prefix: spec.prefix.value),
      registries: ResolvedRegistry.resolve(
        spec.registries, environment: environment, diagnostics: &diagnostics))
    var builder = PlanBuilder()
    for module in modules {
      module.compile(context, into: &builder, diagnostics: &diagnostics)
    }
    guard diagnostics.errors.count == errorsBefore else { return nil }
    return Plan(name: spec.name?.value, arches: context.arches, resources: builder.all)
  }

  /// The prefix lands in unit files (`ExecStart=`) and paths: only an absolute path of plain
  /// characters is safe in all of them.
  static func checkPrefix(_ prefix: Located<String>, diagnostics: inout Diagnostics) {
    let plain = prefix.value.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "/._+-".unicodeScalars.contains($0)
    }
    let parts = prefix.value.split(separator: "/")
    guard !prefix.value.hasPrefix("/") || !plain || parts.contains("..") || parts.contains(".")
    else { return }
    diagnostics.error(
      "unsafe-prefix", "the prefix must be an absolute path of letters, digits and `/._+-`",
      at: prefix.range, path: "prefix")
  }
}
