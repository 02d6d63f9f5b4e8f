// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The dependency arrows between targets are the architecture (docs/architecture.md):
// the engine knows no networking or simulation, the client knows no engine, the workload
// knows neither, and loadgen will import neither the engine nor the server.
let package = Package(
    name: "handoff-harness",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "handoff-sim", targets: ["HandoffSim"]),
        .library(name: "HandoffEngine", targets: ["HandoffEngine"]),
        .library(name: "HandoffAPI", targets: ["HandoffAPI"]),
        .library(name: "HandoffClient", targets: ["HandoffClient"]),
        .library(name: "HandoffWorkload", targets: ["HandoffWorkload"]),
        .library(name: "HandoffMeasurement", targets: ["HandoffMeasurement"]),
        .library(name: "HandoffScenarios", targets: ["HandoffScenarios"]),
        .library(name: "HandoffCapacity", targets: ["HandoffCapacity"]),
        .library(name: "HandoffPostgres", targets: ["HandoffPostgres"]),
        .library(name: "HandoffServer", targets: ["HandoffServer"]),
        .library(name: "HandoffTestSupport", targets: ["HandoffTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
    ],
    targets: [
        // MARK: Libraries

        .target(
            name: "HandoffEngine",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "HandoffAPI", swiftSettings: swiftSettings),
        .target(
            name: "HandoffClient",
            dependencies: [
                "HandoffAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffWorkload",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffMeasurement",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffScenarios",
            dependencies: [
                "HandoffEngine", "HandoffClient", "HandoffWorkload", "HandoffMeasurement", "HandoffAPI",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffCapacity",
            dependencies: ["HandoffEngine", "HandoffWorkload", "HandoffMeasurement"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffPostgres",
            dependencies: [
                "HandoffEngine",
                "HandoffAPI",  // JSONWriter only: the rows stream through the server's JSON writer
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HandoffServer",
            dependencies: [
                "HandoffEngine",
                "HandoffAPI",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "HandoffTestSupport", dependencies: ["HandoffEngine"], swiftSettings: swiftSettings),

        // MARK: Executables

        .executableTarget(
            name: "HandoffSim",
            dependencies: [
                "HandoffScenarios", "HandoffCapacity", "HandoffServer", "HandoffPostgres", "HandoffWorkload", "HandoffMeasurement", "HandoffClient", "HandoffEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The bare-framework baseline of scripts/bench-server (not a product users need).
        .executableTarget(
            name: "bench-hello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/BenchHello",
            swiftSettings: swiftSettings
        ),

        // The store half of scripts/bench-postgres (not a product users need).
        .executableTarget(
            name: "bench-postgres",
            dependencies: ["HandoffPostgres", "HandoffEngine", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/BenchPostgres",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests (one target per library with code to test, plus the live integration tests)

        .testTarget(name: "HandoffEngineTests", dependencies: ["HandoffEngine", "HandoffTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffWorkloadTests", dependencies: ["HandoffWorkload", "HandoffTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffMeasurementTests", dependencies: ["HandoffMeasurement", "HandoffTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HandoffClientTests", dependencies: ["HandoffClient", "HandoffAPI"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HandoffScenariosTests",
            dependencies: ["HandoffScenarios", "HandoffEngine", "HandoffWorkload", "HandoffMeasurement", "HandoffClient", "HandoffTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffCapacityTests",
            dependencies: ["HandoffCapacity", "HandoffEngine", "HandoffWorkload", "HandoffMeasurement"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffServerTests",
            dependencies: [
                "HandoffServer", "HandoffEngine", "HandoffAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffPostgresTests",
            dependencies: [
                "HandoffPostgres", "HandoffEngine", "HandoffTestSupport", "HandoffServer", "HandoffScenarios", "HandoffClient", "HandoffWorkload",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HandoffIntegrationTests",
            dependencies: [
                "HandoffServer", "HandoffScenarios", "HandoffClient", "HandoffEngine", "HandoffWorkload", "HandoffMeasurement",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
