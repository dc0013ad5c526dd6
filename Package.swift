// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dmsnap",
    products: [
        .executable(name: "dmsnap", targets: ["dmsnap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libdevmapper's logger is variadic, which Swift cannot implement; the
        // shim formats each message in C and hands Swift a plain string.
        .target(
            name: "CDeviceMapper",
            linkerSettings: [.linkedLibrary("devmapper")]
        ),
        // liblvm2cmd is opened with dlopen on a command's first LVM call (see its header).
        .target(name: "CLVM2Cmd", linkerSettings: [.linkedLibrary("dl")]),
        // libxml2 is opened with dlopen when a block map is first read (see its header).
        .target(name: "CLibXML2", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "DeviceMapper", dependencies: ["CDeviceMapper"]),
        .target(name: "LVM", dependencies: ["CLVM2Cmd"]),
        .target(
            name: "Snapshots",
            dependencies: ["DeviceMapper", "LVM", "CLibXML2", "Repository", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "ECS", dependencies: ["Snapshots"]),
        // libzstd (Debian: libzstd-dev to build, libzstd1 to run) compresses repository chunks.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Snapshot copies in a directory: content-addressed chunks and manifests. A lower
        // layer: it knows nothing of device-mapper, pools or the catalog.
        .target(name: "Repository", dependencies: ["CZstd", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "dmsnap",
            dependencies: [
                "DeviceMapper", "LVM", "Snapshots", "ECS", "Repository",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DeviceMapperTests", dependencies: ["DeviceMapper"]),
        .testTarget(name: "LVMTests", dependencies: ["LVM"]),
        // What more than one test target needs (a seeded random generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SnapshotsTests", dependencies: ["Snapshots", "ECS", "LVM", "DeviceMapper", "TestSupport"]),
        .testTarget(name: "ECSTests", dependencies: ["ECS", "Snapshots"]),
        .testTarget(
            name: "RepositoryTests",
            dependencies: ["Repository", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Runs the built dmsnap binary on the host (no device-mapper needed): hostile
        // input, permissions, planted symlinks, a damaged catalog.
        .testTarget(
            name: "HostCLITests",
            dependencies: ["Snapshots", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Needs root and a kernel with device-mapper: run inside Scripts/vm.
        .testTarget(name: "IntegrationTests", dependencies: ["DeviceMapper", "LVM", "Snapshots", "TestSupport"]),
    ]
)
