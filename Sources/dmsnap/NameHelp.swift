import ArgumentParser

/// What every --name and --Description option says of the rule (`Names`), in one place.
enum NameHelp {
    static let rule = """
        2 to 128 characters counted as Unicode code points (an accent is one), at most 255 bytes, \
        starting with a letter; letters, digits, ':', '_', '-', '.'; not starting with an ID's prefix \
        (d-, s-, ssg-, i-, any case); compared and linked in NFC
        """
    static let disk = ArgumentHelp("\(rule).")
    static let snapshot = ArgumentHelp("\(rule); not starting with auto.")
    static let group = ArgumentHelp("""
        \(rule); not starting with auto. The group's snapshots are named NAME-1, NAME-2, … (NAME cut at its end to fit \
        128), or by their IDs when the group has no name.
        """)
    static let description = ArgumentHelp("Up to 256 characters, counted as Unicode code points.")
}
