import Testing
@testable import Backends

@Suite struct PlaceholderBackends { @Test func builds() { #expect(Bool(true)) } }
