extension DiagnosticGuide {
  static let entries: [Entry] = []
}
