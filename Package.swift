// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "modeld",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "modeld", targets: ["modeld"]),
        .executable(name: "modelctl", targets: ["modelctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        // C libraries, each behind a shim that gives variadic C functions typed wrappers.
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        // Linux calls that exist only as raw syscalls or macros (ioprio_set).
        .target(name: "CModeldLinux"),

        // The domain: no I/O.
        .target(
            name: "ModeldCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // The wire contract of the control socket.
        .target(name: "ModeldProtocol", dependencies: ["ModeldCore"]),
        // Adapters to Linux, systemd and the C libraries.
        .target(
            name: "ModeldLinux",
            dependencies: [
                "ModeldCore", "CCurl", "COpenSSL", "CSystemd", "CModeldLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]),
        // The Keeper actor, the services and their wiring.
        .target(
            name: "ModeldDaemon",
            dependencies: [
                "ModeldCore", "ModeldProtocol", "ModeldLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                // The metrics endpoint ([metrics] listen).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "modeld",
            dependencies: [
                "ModeldDaemon", "ModeldCore", "ModeldLinux", "ModeldProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "modelctl",
            dependencies: [
                "ModeldProtocol", "ModeldCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Drives the hashing engine alone, for Benchmarks/ scripts that compare it with openssl.
        .executableTarget(
            name: "modeld-bench", dependencies: ["ModeldLinux", "ModeldCore"], path: "Benchmarks/modeld-bench"),
        // Writes ledgers through the ledger's own code (verified sparse blobs, a synthetic year), for Benchmarks/big-store.sh.
        .executableTarget(
            name: "modeld-seed", dependencies: ["ModeldLinux", "ModeldCore"], path: "Benchmarks/modeld-seed"),
        // Many clients on the control socket while a download runs, for Benchmarks/acquire-under-load.sh.
        .executableTarget(
            name: "modeld-load", dependencies: ["ModeldTestSupport", "ModeldProtocol", "ModeldCore"], path: "Benchmarks/modeld-load"),
        // The test hub serving the demo repos, for `make demo` (offline, on 127.0.0.1).
        .executableTarget(name: "modeld-demo-hub", dependencies: ["ModeldTestSupport"]),
        .target(
            name: "ModeldTestSupport",
            dependencies: [
                "ModeldCore", "ModeldProtocol", "CModeldLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        .testTarget(name: "ModeldCoreTests", dependencies: ["ModeldCore", "ModeldTestSupport"]),
        .testTarget(name: "ModelctlTests", dependencies: ["modelctl", "ModeldProtocol", "ModeldCore"]),
        .testTarget(name: "ModeldProtocolTests", dependencies: ["ModeldProtocol", "ModeldCore"]),
        .testTarget(name: "ModeldDaemonTests", dependencies: ["ModeldDaemon", "ModeldProtocol"]),
        .testTarget(
            name: "ModeldLinuxTests",
            // GRDB: the migration tests build ledgers at earlier schemas with the real migrator.
            dependencies: ["ModeldLinux", "ModeldCore", "ModeldTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "ModeldEndToEndTests",
            // ModeldLinux: a test reads the daemon's ledger to see what it recorded.
            // GRDB: the upgrade tests leave a ledger at an earlier schema, as an older modeld did.
            dependencies: ["ModeldTestSupport", "ModeldProtocol", "ModeldCore", "ModeldLinux", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
