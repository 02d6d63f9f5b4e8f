// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "handoff-harness",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "handoff-sim", targets: ["HandoffSim"]),
        .library(name: "HandoffEngine", targets: ["HandoffEngine"]),
        .library(name: "HandoffHarness", targets: ["HandoffHarness"]),
        .library(name: "HandoffServer", targets: ["HandoffServer"]),
        .library(name: "HandoffAPI", targets: ["HandoffAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
    ],
    targets: [
        .target(
            name: "HandoffEngine",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "HandoffAPI", swiftSettings: swiftSettings),
        .target(
            name: "HandoffServer",
            dependencies: [
                "HandoffEngine",
                "HandoffAPI",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffHarness",
            dependencies: [
                "HandoffEngine",
                "HandoffAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HandoffSim",
            dependencies: [
                "HandoffEngine",
                "HandoffHarness",
                "HandoffServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HandoffEngineTests", dependencies: ["HandoffEngine"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffHarnessTests", dependencies: ["HandoffHarness", "HandoffEngine"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HandoffServerTests",
            dependencies: [
                "HandoffServer", "HandoffEngine", "HandoffAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffIntegrationTests",
            dependencies: ["HandoffServer", "HandoffHarness", "HandoffEngine", "HandoffAPI"],
            swiftSettings: swiftSettings
        ),
    ]
)
