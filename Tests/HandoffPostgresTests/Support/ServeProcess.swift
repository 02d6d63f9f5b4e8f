import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Testing

/// The repository root and the built `handoff-sim` (scripts/test builds it before the tests).
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var binary: String? {
        [".build/debug/handoff-sim", ".build/x86_64-unknown-linux-gnu/debug/handoff-sim", ".build/arm64-apple-macosx/debug/handoff-sim"]
            .map { root + "/" + $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A value behind a lock, shareable between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// A `handoff-sim serve` child process on 127.0.0.1 and a free port, on a database URL.
final class ServeProcess: Sendable {
    static let secret = "postgres-tests-secret-0123456789abcdef-xyz"

    let process: Process
    let port: Int
    private let output: Locked<String>

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { output.withLock { $0 } }

    private init(process: Process, port: Int, output: Locked<String>) {
        self.process = process
        self.port = port
        self.output = output
    }

    /// Starts a server and waits (at most 60 s) until it logs the port it listens on.
    static func start(databaseURL: String, fixtures: String, extra: [String] = []) async throws -> ServeProcess {
        let binary = try #require(Repository.binary, "handoff-sim is not built (scripts/test builds it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["serve", "--host", "127.0.0.1", "--port", "0", "--database-url", databaseURL, "--fixtures", fixtures, "--jwt-secret", secret,
             "--no-rate-limit", "--log-level", "info"] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let output = Locked("")
        let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                portFound.finish()
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            let all = output.withLock { log in
                log += text
                return log
            }
            if let range = all.range(of: #"port=(\d+) \[HandoffServer\] Handoff server listening"#, options: .regularExpression) {
                let digits = String(all[range].dropFirst(5).prefix(while: { $0.isNumber }))
                if let port = Int(digits) { portFound.yield(port) }
                portFound.finish()
            }
        }
        try process.run()
        let port = await withTaskGroup(of: Int?.self) { group in
            group.addTask { await ports.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let port else {
            process.terminate()
            Issue.record("handoff-sim serve did not start: \(output.withLock { $0 })")
            throw CancellationError()
        }
        return ServeProcess(process: process, port: port, output: output)
    }

    /// SIGKILL: no graceful anything (the crash test).
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then wait for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// JSON over HTTP to a server of the tests (AsyncHTTPClient, one shared client).
enum HTTP {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    struct Reply: Sendable {
        var status: Int
        var json: [String: any Sendable]
    }

    static func call(_ method: HTTPMethod, _ url: String, body: [String: any Sendable]? = nil, token: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        return Reply(status: Int(response.status.code), json: object.mapValues { SendableJSON($0).value })
    }
}

/// Foundation's JSON values as `Sendable` (strings, numbers, booleans, arrays and objects).
struct SendableJSON: @unchecked Sendable {
    let value: any Sendable
    init(_ any: Any) {
        switch any {
        case let s as String: value = s
        case let n as NSNumber: value = n.doubleValue
        case let a as [Any]: value = a.map { SendableJSON($0).value }
        case let d as [String: Any]: value = d.mapValues { SendableJSON($0).value }
        default: value = ""
        }
    }
}
