// swift-tools-version:6.0
// libFuzzer harnesses for ContactPoint's three parsers of untrusted input. Built and run by
// Scripts/fuzz.sh with `-sanitize=fuzzer,address`; not part of the normal build.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, whatever the checkout is called.
let main = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "ContactPointFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzHTTPParser", dependencies: ["FuzzSupport", .product(name: "HTTP1", package: main)]),
        .executableTarget(name: "FuzzRequestDecoding", dependencies: ["FuzzSupport", .product(name: "ContactPointModel", package: main)]),
        .executableTarget(name: "FuzzConfigLoader", dependencies: ["FuzzSupport",
            .product(name: "ContactPointModel", package: main), .product(name: "ContactPointDaemon", package: main),
        ]),
    ]
)
