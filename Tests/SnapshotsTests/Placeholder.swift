import Testing
@Test func trivial() { #expect(1 + 1 == 2) }
@Test(.enabled(if: false)) func skipped() { }
