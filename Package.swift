// swift-tools-version:6.0
// ContactPoint: the 24/7 point-of-contact daemon (pocd) and its CLI (poc).
// Module map and the reasons for each cut: docs/architecture.md.
import PackageDescription

let package = Package(
    name: "ContactPoint",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pocd", targets: ["pocd"]),
        .executable(name: "poc", targets: ["poc"]),
        .executable(name: "poc-store-bench", targets: ["StoreBench"]),
        // Libraries for the fuzz harnesses in Fuzz/ (a separate package, built with -sanitize=fuzzer).
        .library(name: "ContactPointModel", targets: ["ContactPointModel"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "ContactPointDaemon", targets: ["ContactPointDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C modules over the system libraries (libssl-dev, libsqlite3-dev, libpq-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // Domain: no networking, no SQLite.
        .target(name: "ContactPointModel",
                dependencies: [.product(name: "Yams", package: "Yams")]),

        // The audit log's pure core: Merkle tree and proofs, Ed25519 log keys, signed notes,
        // checkpoints, cosignatures (docs/audit.md). No SQLite, no network, no Dispatch.
        .target(name: "AuditLog", dependencies: ["COpenSSL"]),

        // Personal content sealed at rest: master keys, per-event data keys (AES-256-GCM),
        // which payload members are sealed (docs/privacy.md). No SQLite, no network.
        .target(name: "Sealing", dependencies: ["ContactPointModel", "COpenSSL"]),

        // Durable, hash-chained event log: one store over two backends, SQLite (the embedded
        // default) and PostgreSQL (several daemons on one database), with one migration list.
        .target(name: "ContactPointStore",
                dependencies: ["ContactPointModel", "AuditLog", "Sealing", "COpenSSL", "CSQLite", "CPostgres"]),

        // Network: no SQLite.
        .target(name: "TLSTransport", dependencies: ["COpenSSL"]),
        .target(name: "HTTP1", dependencies: ["TLSTransport"]),

        // The product.
        .target(name: "ContactPointDaemon",
                dependencies: [
                    "ContactPointModel", "ContactPointStore", "AuditLog", "Sealing", "TLSTransport", "HTTP1",
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "HeapModule", package: "swift-collections"),
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ]),
        .executableTarget(name: "pocd", dependencies: ["ContactPointDaemon"]),
        .target(name: "ContactPointClient", dependencies: ["HTTP1", "ContactPointModel"]),
        .executableTarget(name: "poc",
                          dependencies: [
                            "ContactPointClient", "ContactPointModel",
                            .product(name: "ArgumentParser", package: "swift-argument-parser"),
                            .product(name: "Yams", package: "Yams"),
                          ]),
        // Store benchmark and crash-test driver (Scripts/bench, Tests/ContactPointStoreTests).
        .executableTarget(name: "StoreBench", dependencies: ["ContactPointStore", "ContactPointModel"]),

        // Test helpers shipped as a library: throwaway PKI, temp dirs, a real pocd, child processes.
        // CTestSupport: what TestSupport needs from C (posix_spawn extensions, a clock tick under faketime).
        .target(name: "CTestSupport"),
        .target(name: "TestSupport", dependencies: ["TLSTransport", "CTestSupport"]),

        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "ContactPointModelTests", dependencies: ["ContactPointModel"]),
        .testTarget(name: "AuditLogTests", dependencies: ["AuditLog"]),
        .testTarget(name: "SealingTests", dependencies: ["Sealing", "ContactPointModel"]),
        .testTarget(name: "ContactPointStoreTests",
                    dependencies: ["ContactPointStore", "ContactPointModel", "Sealing", "TestSupport"]),
        .testTarget(name: "TLSTransportTests", dependencies: ["TLSTransport", "TestSupport"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TLSTransport", "TestSupport"]),
        .testTarget(name: "ContactPointDaemonTests",
                    dependencies: ["ContactPointDaemon", "ContactPointModel", "ContactPointStore", "Sealing", "TestSupport",
                                   .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["AuditLog", "ContactPointClient", "ContactPointModel", "ContactPointStore", "Sealing", "TestSupport", "HTTP1",
                                   "TLSTransport"]),
    ]
)
