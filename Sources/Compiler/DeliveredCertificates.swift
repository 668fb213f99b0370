import Spec
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Files beside the spec (`local:`), as the command line reads them: the compiler never
/// touches the file system, it is handed the bytes of one relative path at a time.
public struct LocalFiles: Sendable {
  /// The bytes of a path relative to the spec's folder, or why they cannot be had (missing,
  /// a symlink that leads out of the folder, too large). The path has passed
  /// `localPathProblem` (relative, no `..`).
  public var read: @Sendable (String) -> Result<[UInt8], Unreadable>

  public struct Unreadable: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
  }

  public init(read: @escaping @Sendable (String) -> Result<[UInt8], Unreadable>) {
    self.read = read
  }

  /// For a spec with no folder (standard input, tests): every `local:` is an error.
  public static let none = LocalFiles { _ in .failure(Unreadable("the spec has no folder")) }
}

/// What the command line hands the compiler from outside the spec: its environment, the
/// files beside the spec, and the time (for certificate expiry; nil: not checked).
public struct CompileInputs: Sendable {
  public var environment: [String: String]
  public var localFiles: LocalFiles
  /// Seconds since 1970-01-01T00:00:00Z.
  public var now: Int?

  public init(
    environment: [String: String] = [:], localFiles: LocalFiles = .none, now: Int? = nil
  ) {
    self.environment = environment
    self.localFiles = localFiles
    self.now = now
  }
}

/// The CA and client pair a mirror delivers with the spec, written beside its registry's
/// hosts.toml as `ca.crt`, `client.cert` and `client.key` (the names containerd's docs use)
/// and added to the host's `ca` and `client`, so hosts.toml and buildkitd.toml both name them.
///
/// PEMs known when compiling (`pem`, `local`, `env`) are parsed with swift-certificates: a
/// certificate or key that does not parse is an error at its line, an expired certificate a
/// warning naming its end date. `file:` is read on the node and is not checked here. A key is
/// mode 0600 and its content a secret (the output is written 0600 when it holds one).
enum DeliveredCertificates {
  struct Written: Equatable {
    var id: String
    var path: String
    var content: File.Content
    var mode: Int
    var origin: SourceRange
  }

  static func attach(
    to registries: inout [ResolvedRegistry], certsDirectory: String, inputs: CompileInputs,
    diagnostics: inout Diagnostics
  ) {
    for r in registries.indices {
      let registry = registries[r]
      var written: [Written] = []
      /// The node path of `name` in the registry's folder, or nil when it cannot be written.
      func deliver(
        _ name: String, _ source: Located<Delivered>, isKey: Bool,
        diagnostics: inout Diagnostics
      ) -> String? {
        let path = "\(certsDirectory)/\(registry.folder)/\(name)"
        guard
          let content = Self.content(
            source, isKey: isKey, inputs: inputs, diagnostics: &diagnostics)
        else { return nil }
        if let earlier = written.first(where: { $0.path == path }) {
          guard earlier.content == content else {
            diagnostics.error(
              "conflicting-certificates",
              "another mirror of `\(registry.name)` delivers a different `\(name)`",
              at: source.range, path: "registries.\(registry.name)",
              notes: [.init("delivered first here", at: earlier.origin)],
              hint: "a registry's folder holds one `\(name)`: deliver it once, or name "
                + "files already on the node by path")
            return nil
          }
          return path
        }
        written.append(
          Written(
            id: "registry.\(registry.folder).\(name)", path: path, content: content,
            mode: isKey ? 0o600 : 0o644, origin: source.range))
        return path
      }
      func attach(_ host: inout ResolvedHost, diagnostics: inout Diagnostics) {
        if let ca = host.deliveredCA,
          let path = deliver("ca.crt", ca, isKey: false, diagnostics: &diagnostics)
        {
          host.ca.append(path)
        }
        if let client = host.deliveredClient {
          let cert = deliver(
            "client.cert", client.certificate, isKey: false, diagnostics: &diagnostics)
          let key = deliver("client.key", client.key, isKey: true, diagnostics: &diagnostics)
          if let cert, let key { host.client.append(ClientPair(certificate: cert, key: key)) }
        }
      }
      var hosts = registry.hosts
      for h in hosts.indices { attach(&hosts[h], diagnostics: &diagnostics) }
      registries[r].hosts = hosts
      if var host = registry.serverHost {
        attach(&host, diagnostics: &diagnostics)
        registries[r].serverHost = host
      }
      registries[r].delivered = written
    }
  }

  /// The file's content, checked when it is known now.
  static func content(
    _ source: Located<Delivered>, isKey: Bool, inputs: CompileInputs,
    diagnostics: inout Diagnostics
  ) -> File.Content? {
    // Go's PEM decoder, which containerd and BuildKit load these with, skips text before the
    // first `-----BEGIN` line, as OpenSSL does: the file can say where it came from.
    let header = "# \(Paths.generatedHeader)\n"
    let text: String
    switch source.value {
    case .file(let path):
      // Read on the node; the part drops the file's last newline, PEM ends with one.
      return File.Content([.text(header), .secretFile(path: path), .text("\n")])
    case .pem(let pem):
      text = pem
    case .environment(let variable):
      guard let value = inputs.environment[variable] else {
        diagnostics.error(
          "missing-environment", "the environment variable `\(variable)` is not set",
          at: source.range, hint: "export it before compiling")
        return nil
      }
      text = value
    case .local(let path):
      switch inputs.localFiles.read(path) {
      case .failure(let unreadable):
        diagnostics.error(
          "unreadable-local-file", "cannot read `\(path)`: \(unreadable.reason)",
          at: source.range, hint: "name a file inside the spec's folder")
        return nil
      case .success(let bytes):
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
          diagnostics.error(
            "invalid-pem", "`\(path)` is not PEM text", at: source.range,
            hint: "convert DER with `openssl x509 -inform der -out cert.pem`")
          return nil
        }
        text = decoded
      }
    }
    let pem = text.hasSuffix("\n") ? text : text + "\n"
    guard check(pem, isKey: isKey, at: source.range, now: inputs.now, diagnostics: &diagnostics)
    else { return nil }
    return File.Content(header + pem, isSecret: isKey)
  }

  /// A key must parse as a private key; a certificate file as one or more certificates.
  private static func check(
    _ pem: String, isKey: Bool, at range: SourceRange, now: Int?,
    diagnostics: inout Diagnostics
  ) -> Bool {
    if isKey {
      guard (try? Certificate.PrivateKey(pemEncoded: pem)) != nil else {
        // Never the content: it is a secret.
        diagnostics.error(
          "invalid-pem", "this is not a PEM private key (PKCS#8, RSA, EC or Ed25519)",
          at: range, hint: "the key file begins with -----BEGIN PRIVATE KEY-----")
        return false
      }
      return true
    }
    let certificates = (try? PEMDocument.parseMultiple(pemString: pem))?.map {
      try? Certificate(pemDocument: $0)
    }
    guard let certificates, !certificates.isEmpty, certificates.allSatisfy({ $0 != nil })
    else {
      diagnostics.error(
        "invalid-pem", "this is not a PEM certificate", at: range,
        hint: "a certificate begins with -----BEGIN CERTIFICATE-----")
      return false
    }
    guard let now else { return true }
    for certificate in certificates.compactMap({ $0 })
    where certificate.notValidAfter.timeIntervalSince1970 < Double(now) {
      diagnostics.warning(
        "expired-certificate",
        "the certificate for \(certificate.subject) expired on "
          + day(Int(certificate.notValidAfter.timeIntervalSince1970)),
        at: range, hint: "renew it; a TLS connection with it fails")
    }
    return true
  }

  /// `YYYY-MM-DD` (UTC) of a time in seconds since 1970 (civil-from-days, H. Hinnant).
  static func day(_ seconds: Int) -> String {
    let z = Int((Double(seconds) / 86_400).rounded(.down)) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(y)-\(two(m))-\(two(d))"
  }
}
