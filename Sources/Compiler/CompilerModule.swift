import Spec

/// One concern of the compiler (a component, the registries, Kubernetes): reads its part of
/// the spec and the catalog, appends resources to the plan and problems to the diagnostics.
///
/// Adding a component = one type conforming to this, listed in `Compiler.modules`, plus its
/// catalog entries.
protocol CompilerModule: Sendable {
  static func compile(
    _ context: CompileContext, into plan: inout PlanBuilder, diagnostics: inout Diagnostics)
}

/// What every module may read: the spec and what the compiler derived from it once.
struct CompileContext {
  var spec: NodeSpec
  /// The arches artifacts are provided for (`Plan.arches`).
  var arches: [Arch]
  /// The compiling machine's environment, for header values taken from it.
  var environment: [String: String]
  var catalog: Catalog
  var paths: Paths
  /// The registries with URLs completed and validated, in spec order.
  var registries: [ResolvedRegistry]

  /// Whether the node gets a containerd (separately or from the nerdctl-full bundle). True
  /// also when the spec asks for one that did not decode: that error is reported already.
  var installsContainerd: Bool {
    spec.writes("components.containerd") || spec.writes("components.nerdctl-full")
  }
}

/// Collects resources in module order and services apart, so that services come after every
/// resource that notifies them and every `notifies` edge points forward. Steps that need a
/// service running (an image import talks to containerd) come after the services.
struct PlanBuilder {
  private(set) var resources: [Resource] = []
  private(set) var services: [Resource] = []
  /// `Plan.downloadEnvironment`.
  var downloadEnvironment: [EnvironmentVariable] = []
  /// `Plan.warnings`.
  var warnings: [NodeWarning] = []
  private(set) var afterServices: [Resource] = []

  mutating func add(
    _ id: String, origin: SourceRange?, _ kind: Resource.Kind, notifies: [String] = [],
    condition: Resource.Condition? = nil
  ) {
    resources.append(
      Resource(id: id, origin: origin, kind: kind, notifies: notifies, condition: condition))
  }

  /// A service resource whose id is its unit name, e.g. `containerd.service`.
  mutating func addService(
    _ service: Service, origin: SourceRange?, condition: Resource.Condition? = nil
  ) {
    services.append(
      Resource(id: service.unit, origin: origin, kind: .service(service), condition: condition))
  }

  /// A step applied after every service, which it may rely on running. It notifies nothing
  /// (no service comes after it).
  mutating func addAfterServices(
    _ id: String, origin: SourceRange?, _ kind: Resource.Kind,
    condition: Resource.Condition? = nil
  ) {
    afterServices.append(Resource(id: id, origin: origin, kind: kind, condition: condition))
  }

  var all: [Resource] { resources + services + afterServices }
}
