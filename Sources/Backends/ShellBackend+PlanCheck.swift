import Compiler
import Spec

extension ShellBackend {
  /// The plan properties the script relies on beyond what the compiler guarantees by type,
  /// checked so that a broken plan is a diagnostic instead of a broken script.
  enum PlanCheck {
    static func check(_ plan: Plan, diagnostics: inout Diagnostics) {
      let serviceIds = Set(
        plan.resources.compactMap { resource -> String? in
          if case .service = resource.kind { resource.id } else { nil }
        })
      if !plan.manifest.hasPrefix("/") || plan.manifest.contains(where: \.isNewline) {
        diagnostics.error(
          "plan-manifest-path", "the manifest path `\(plan.manifest)` is not an absolute path",
          at: nil)
      }
      for resource in plan.resources {
        let origin = resource.origin
        if strings(of: resource).contains(where: ShellQuoting.containsNUL) {
          diagnostics.error(
            "shell-nul-byte",
            "`\(resource.id)` holds a NUL byte, which a shell script cannot carry",
            at: origin)
        }
        for id in resource.notifies where !serviceIds.contains(id) {
          diagnostics.error(
            "plan-unknown-service", "`\(resource.id)` notifies `\(id)`, which is not a service",
            at: origin)
        }
        switch resource.kind {
        case .directory(let directory):
          requireAbsolute(directory.path, resource, &diagnostics)
        case .file(let file):
          requireAbsolute(file.path, resource, &diagnostics)
        case .artifact(let artifact):
          let arches = artifact.sources.map(\.arch)
          if plan.arches.isEmpty || arches != plan.arches {
            diagnostics.error(
              "plan-artifact-arches",
              "`\(resource.id)` has sources for \(names(arches)), "
                + "the plan is for \(names(plan.arches))",
              at: origin)
          }
          requireAbsolute(artifact.stamp, resource, &diagnostics)
        case .command(let command):
          if command.argv.isEmpty {
            diagnostics.error("plan-empty-command", "`\(resource.id)` has no command", at: origin)
          }
          if case .unless(let argv) = command.guard, argv.isEmpty {
            diagnostics.error(
              "plan-empty-command", "`\(resource.id)` has an empty guard", at: origin)
          }
        case .packages, .kernelModule, .sysctl, .service:
          break
        }
      }
    }

    private static func names(_ arches: [Arch]) -> String {
      arches.isEmpty ? "no arch" : arches.map(\.rawValue).joinedUTF8(separator: ", ")
    }

    /// A path must be absolute and normal: a `.` or `..` component would let a staged copy
    /// (staging root + path) land outside the staging folder.
    private static func requireAbsolute(
      _ path: String, _ resource: Resource, _ diagnostics: inout Diagnostics
    ) {
      if path.utf8.first != UInt8(ascii: "/") {
        diagnostics.error(
          "plan-relative-path", "`\(resource.id)`: `\(path)` is not an absolute path",
          at: resource.origin)
      } else if hasDotComponent(path) {
        diagnostics.error(
          "plan-unnormalized-path", "`\(resource.id)`: `\(path)` has a `.` or `..` component",
          at: resource.origin)
      }
    }

    /// Whether a component of `path` (between slashes, on its bytes) is `.` or `..`.
    private static func hasDotComponent(_ path: String) -> Bool {
      var dots = 0  // the component so far is this many dots (-1: something else)
      for byte in path.utf8 {
        switch byte {
        case UInt8(ascii: "/"):
          if dots == 1 || dots == 2 { return true }
          dots = 0
        case UInt8(ascii: "."):
          if dots >= 0 { dots += 1 }
        default:
          dots = -1
        }
      }
      return dots == 1 || dots == 2
    }

    /// Every string of a resource that reaches the script.
    private static func strings(of resource: Resource) -> [String] {
      var all = [resource.id] + resource.notifies
      if case .pathExists(let path) = resource.condition { all.append(path) }
      switch resource.kind {
      case .directory(let d): all += [d.path] + owner(d.owner)
      case .file(let f):
        all += [f.path] + owner(f.owner)
        for part in f.content.parts {
          switch part {
          case .text(let text): all.append(text)
          case .secretFile(let path), .escapedSecretFile(let path, _): all.append(path)
          }
        }
      case .artifact(let a):
        all += [a.title, a.stamp] + a.provides
        for source in a.sources {
          all += [source.url, source.fileName]
          switch source.check {
          case .sha256(let hex), .sha512(let hex): all.append(hex)
          case .published(let url): all.append(url)
          case .none: break
          }
        }
        switch a.install {
        case .binary(let path, _): all.append(path)
        case .archive(let directory, _): all.append(directory)
        }
      case .packages(let p): all += p.apt + p.dnf + p.zypper
      case .kernelModule(let m): all.append(m.name)
      case .sysctl(let s): all += [s.key, s.value]
      case .service(let s):
        all += [s.unit, s.unitPath, s.wantedBy]
        if case .user(let name) = s.scope { all.append(name) }
      case .command(let c):
        all += [c.title] + c.argv + c.environment.flatMap { [$0.name, $0.value] }
        if let user = c.user { all.append(user) }
        switch c.guard {
        case .creates(let path): all.append(path)
        case .unless(let argv): all += argv
        }
      }
      return all
    }

    private static func owner(_ owner: Ownership?) -> [String] {
      owner.map { [$0.user, $0.group] } ?? []
    }
  }
}
