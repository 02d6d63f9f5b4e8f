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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
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
        .target(
            name: "HandoffHarness",
            dependencies: [
                "HandoffEngine",
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HandoffEngineTests", dependencies: ["HandoffEngine"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffHarnessTests", dependencies: ["HandoffHarness", "HandoffEngine"], swiftSettings: swiftSettings),
    ]
)
