/// What each diagnostic id means, with an example and the fix: the entries of
/// `docs/diagnostics.md`, compiled in (`DiagnosticGuide+Text.swift`, generated from that page
/// by `DiagnosticGuideTests`), so that `nodespec explain ID` works anywhere and the page stays
/// the one source.
public enum DiagnosticGuide {
  public struct Entry: Sendable, Equatable {
    /// The id as printed in a diagnostic's brackets, e.g. `unknown-key`.
    public let id: String
    /// The page's section for it (Markdown, read as plain text): severity, meaning, example,
    /// fix. Ends with `\n`.
    public let text: String
  }

  public static func entry(_ id: String) -> Entry? { entries.first { $0.id == id } }

  /// In the page's order.
  public static var ids: [String] { entries.map(\.id) }

  /// The documented id nearest to a mistyped one, if it is near enough to be a typo.
  public static func nearest(to id: String) -> String? { closest(to: id, among: ids) }
}
