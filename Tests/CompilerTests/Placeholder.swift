import Testing
@testable import Compiler

@Suite struct PlaceholderCompiler { @Test func builds() { #expect(Bool(true)) } }
