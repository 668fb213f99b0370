/// How an output is rendered, chosen on the command line: settings of the delivery, not of
/// the node, so they are not in the spec. Checked before rendering (`problem(...)`s below).
public struct RenderOptions: Sendable, Equatable {
  /// Ansible: the play's `hosts:` pattern, so one fleet's playbooks map onto inventory groups.
  public var hosts: String
  /// cloud-init: write the whole user-data gzip-compressed even when the text fits.
  public var gzip: Bool

  public init(hosts: String = "all", gzip: Bool = false) {
    self.hosts = hosts
    self.gzip = gzip
  }
}

extension Target {
  /// The backend for this target, rendering with these options.
  public func backend(_ options: RenderOptions) -> any Backend {
    switch self {
    case .shell: ShellBackend()
    case .cloudInit: CloudInitBackend(gzip: options.gzip)
    case .ansible: AnsibleBackend(hosts: options.hosts)
    }
  }
}

extension RenderOptions {
  /// The longest `--hosts` pattern: group and host names, a few operators.
  public static let maxHostsLength = 1_000

  /// The bytes a `--hosts` pattern may hold: Ansible's pattern syntax (names, `*` wildcards,
  /// `:` or `,` unions, `:&` and `:!`, `[0:2]` slices, `~` regular expressions) and no more.
  /// Left out: `{`, `}`, `%` and `#` (Jinja: Ansible templates a play's `hosts`), quotes,
  /// blanks and control characters (YAML structure), and anything outside ASCII.
  private static let hostsBytes: [Bool] = {
    var allowed = [Bool](repeating: false, count: 256)
    for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { allowed[Int(byte)] = true }
    for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { allowed[Int(byte)] = true }
    for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { allowed[Int(byte)] = true }
    for byte in "_-.:,&!*[]~()|^$?+\\/@".utf8 { allowed[Int(byte)] = true }
    return allowed
  }()

  /// Why `--hosts` is refused, or nil.
  public static func hostsProblem(_ pattern: String) -> String? {
    let bytes = Array(pattern.utf8)
    if bytes.isEmpty { return "--hosts is empty; `all` is every host of the inventory" }
    if bytes.count > maxHostsLength {
      return "--hosts is longer than \(maxHostsLength) bytes"
    }
    if let bad = bytes.first(where: { !hostsBytes[Int($0)] }) {
      let shown =
        bad >= 0x21 && bad < 0x7F ? "`\(Character(Unicode.Scalar(bad)))`" : "byte 0x" + hex(bad)
      return "--hosts holds \(shown): a host pattern is names, wildcards (`*`), `:` or `,`,"
        + " `:&`, `:!`, `[0:2]` and `~regex`, never Jinja (`{`, `%`, `#`), quotes or blanks"
    }
    return nil
  }

  private static func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
  }
}
