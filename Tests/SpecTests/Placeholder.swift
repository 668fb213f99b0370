import Testing
@testable import Spec

@Suite struct PlaceholderSpec { @Test func builds() { #expect(Bool(true)) } }
