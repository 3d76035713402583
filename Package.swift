// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Junction",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "junction", targets: ["junction"]),
        .library(name: "JunctionCore", targets: ["JunctionCore"]),
        .library(name: "JunctionStore", targets: ["JunctionStore"]),
        .library(name: "JunctionHTTP", targets: ["JunctionHTTP"]),
        .library(name: "JunctionAuth", targets: ["JunctionAuth"]),
        .library(name: "JunctionConnectors", targets: ["JunctionConnectors"]),
        .library(name: "JunctionWebhooks", targets: ["JunctionWebhooks"]),
        .library(name: "JunctionApp", targets: ["JunctionApp"]),
        .library(name: "JunctionAPI", targets: ["JunctionAPI"]),
        .library(name: "JunctionServer", targets: ["JunctionServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP/HTTP only: the gRPC exporter would double the build for a transport collectors also take over HTTP.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        // Tests make the certificates they serve TLS with.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .target(
            name: "JunctionCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionHTTP",
            dependencies: [
                "JunctionCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionStore",
            dependencies: [
                "JunctionCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionAuth",
            dependencies: [
                "JunctionCore",
                "JunctionStore",
                "JunctionHTTP",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionConnectors",
            dependencies: [
                "JunctionCore",
                "JunctionHTTP",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionWebhooks",
            dependencies: [
                "JunctionCore",
                "JunctionStore",
                "JunctionHTTP",
                "JunctionAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionApp",
            dependencies: [
                "JunctionCore",
                "JunctionStore",
                "JunctionHTTP",
                "JunctionAuth",
                "JunctionConnectors",
                "JunctionWebhooks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionAPI",
            dependencies: [
                "JunctionCore",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcoming,
            plugins: [
                .plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator"),
                .plugin(name: "EmbedOpenAPIDocument"),
            ]
        ),
        .executableTarget(name: "EmbedText", swiftSettings: upcoming),
        .plugin(name: "EmbedOpenAPIDocument", capability: .buildTool(), dependencies: ["EmbedText"]),
        .plugin(name: "EmbedDashboardAssets", capability: .buildTool(), dependencies: ["EmbedText"]),
        .target(
            name: "JunctionServer",
            dependencies: [
                "JunctionAPI",
                "JunctionApp",
                "JunctionCore",
                "JunctionWebhooks",
                "JunctionStore",
                "JunctionAuth",
                "JunctionConnectors",
                "JunctionHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["Dashboard/Templates"],
            swiftSettings: upcoming,
            plugins: [.plugin(name: "EmbedDashboardAssets")]
        ),
        .executableTarget(
            name: "junction",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "JunctionCore",
                "JunctionStore",
                "JunctionAuth",
                "JunctionApp",
                "JunctionAPI",
                "JunctionHTTP",
                "JunctionServer",
                "JunctionConnectors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "BenchmarkSupport",
            path: "Benchmarks/Support",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "QueueThroughputBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionCore",
                "JunctionStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Benchmarks/QueueThroughput",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "HealthBookkeepingBenchmark",
            dependencies: [
                "BenchmarkSupport", "JunctionApp", "JunctionAuth", "JunctionCore", "JunctionHTTP", "JunctionStore",
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HealthBookkeeping",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "APIClientOverheadBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/APIClientOverhead",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "WebhookDeliveryBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionCore", "JunctionStore", "JunctionAuth", "JunctionWebhooks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/WebhookDelivery",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "InboxCommitBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionCore", "JunctionStore", "JunctionWebhooks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Benchmarks/InboxCommit",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "SyncThroughputBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionCore", "JunctionStore", "JunctionAuth", "JunctionConnectors", "JunctionApp", "JunctionHTTP", "JunctionWebhooks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Benchmarks/SyncThroughput",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "TwoWaySyncBenchmark",
            dependencies: [
                "BenchmarkSupport",
                "JunctionCore", "JunctionStore", "JunctionAuth", "JunctionConnectors", "JunctionApp", "JunctionHTTP", "JunctionWebhooks",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/TwoWaySync",
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "DataMappingBenchmark",
            dependencies: ["BenchmarkSupport", "JunctionCore", "JunctionConnectors"],
            path: "Benchmarks/DataMapping",
            swiftSettings: upcoming
        ),
        .target(
            name: "JunctionTestSupport",
            dependencies: [
                "JunctionCore",
                "JunctionStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/JunctionTestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionCoreTests",
            dependencies: ["JunctionCore"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionStoreTests",
            dependencies: [
                "JunctionStore", "JunctionCore", "JunctionTestSupport", "junction",
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionAppTests",
            dependencies: [
                "JunctionApp", "JunctionCore", "JunctionAuth", "JunctionConnectors", "JunctionHTTP", "JunctionStore", "JunctionTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionHTTPTests",
            dependencies: [
                "JunctionHTTP", "JunctionCore", "JunctionTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionAuthTests",
            dependencies: ["JunctionAuth", "JunctionStore", "JunctionCore", "JunctionTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionConnectorsTests",
            dependencies: [
                "JunctionConnectors", "JunctionCore", "JunctionHTTP", "JunctionWebhooks",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionWebhooksTests",
            dependencies: [
                "JunctionWebhooks", "JunctionCore", "JunctionStore", "JunctionTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "JunctionServerTests",
            dependencies: [
                "JunctionConnectors",
                "JunctionServer", "JunctionStore", "JunctionAuth", "JunctionCore", "JunctionHTTP", "JunctionWebhooks",
                "JunctionTestSupport", "junction", "JunctionAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: upcoming
        ),
    ]
)
