import Snapshots
import Testing

struct UntrustedTextTests {
    @Test func textIsQuotedWithQuotesAndBackslashesEscaped() {
        #expect(UntrustedText.quoted(#"a "b" \c"#) == #""a \"b\" \\c""#)
    }

    @Test func controlFormatAndSeparatorCharactersAreEscaped() {
        #expect(UntrustedText.quoted("a\nb\tc\u{1B}d\u{7F}\u{202E}\u{2028}") == #""a\nb\tc\u{1B}d\u{7F}\u{202E}\u{2028}""#)
    }

    @Test func printableUnicodeIsKept() {
        #expect(UntrustedText.quoted("快照 é 😀") == "\"快照 é 😀\"")
    }

    @Test func longTextIsCutByScalarsSoCombiningMarksCannotStretchIt() {
        #expect(UntrustedText.quoted(String(repeating: "x", count: 100), limit: 5) == "\"xxxxx…\"")
        let zalgo = "a" + String(repeating: "\u{301}", count: 10_000)
        #expect(UntrustedText.quoted(zalgo, limit: 5).unicodeScalars.count == 8)
    }
}
