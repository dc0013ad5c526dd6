import ArgumentParser
import Snapshots

extension PoolCommand {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set where a pool's snapshots are copied: a repository of its own, before the default one.",
            discussion: """
                The pool is a dmsnap pool or an LVM thin pool (VG/POOL). Its new snapshots are
                copied into REPO in the background, and `snapshot copy` copies there when no
                --to is given; the pools without a target of their own follow the default.

                Examples:
                  dmsnap pool set vg0/pool0 --copy-to nearby
                  dmsnap pool set data --copy-to-default
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The pool: a dmsnap pool's name, or VG/POOL for an LVM thin pool.")
        var pool: String

        @Option(name: .customLong("copy-to"), help: ArgumentHelp("Copy the pool's snapshots into this repository.", valueName: "repository"))
        var copyTo: String?

        @Flag(name: .customLong("copy-to-default"), help: "Drop the pool's own target: its snapshots follow the default repository again.")
        var copyToDefault = false

        func validate() throws {
            guard (copyTo != nil) != copyToDefault else { throw ValidationError("Give one of --copy-to REPO and --copy-to-default.") }
        }

        func run() throws {
            try Everyday.run(json: false) {
                try global.service().setPoolCopyTarget(poolName: pool, repositoryName: copyTo)
                print(copyTo.map { "Snapshots of pool \(pool) are copied into repository \($0)." }
                    ?? "Snapshots of pool \(pool) are copied into the default repository, if any.")
            }
        }
    }
}
