import Foundation
import HandoffEngine
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// What a database call can end in besides its value.
enum DatabaseFailure: Error {
    /// The database did not answer in time, or the connection failed: the outcome of a write
    /// is unknown.
    case unavailable(String)
    /// A constraint refused the write (SQLSTATE 23xxx): nothing was written.
    case constraint(name: String, state: String)
}

extension DatabaseFailure {
    /// Classifies what PostgresNIO threw.
    init(_ error: any Error) {
        if let failure = error as? DatabaseFailure {
            self = failure
            return
        }
        if let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState], state.hasPrefix("23") {
            self = .constraint(name: psql.serverInfo?[.constraintName] ?? "", state: state)
            return
        }
        if let psql = error as? PSQLError, let message = psql.serverInfo?[.message] {
            self = .unavailable("\(psql.code): \(message)")
            return
        }
        self = .unavailable(String(describing: error))
    }
}

/// Runs `work` on the database with a deadline: a call that takes longer fails with
/// ``DatabaseFailure/unavailable(_:)`` at the deadline (and is cancelled), so a database that is
/// down or hangs turns into a prompt 503, never a request that waits forever.
func withDeadline<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async throws(DatabaseFailure) -> T {
    let result: Result<T, any Error> = await withCheckedContinuation { (outer: CheckedContinuation<Result<T, any Error>, Never>) in
        let worker = Task {
            do {
                let value = try await work()
                return Result<T, any Error>.success(value)
            } catch {
                return .failure(error)
            }
        }
        let decided = Mutex(false)
        let finish: @Sendable (Result<T, any Error>) -> Void = { result in
            let first = decided.withLock { done -> Bool in
                if done { return false }
                done = true
                return true
            }
            if first { outer.resume(returning: result) }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled {
                worker.cancel()
                finish(.failure(DatabaseFailure.unavailable("no answer from the database within \(timeout)")))
            }
        }
        Task {
            let result = await worker.value
            timer.cancel()
            finish(result)
        }
    }
    switch result {
    case .success(let value): return value
    case .failure(let error): throw DatabaseFailure(error)
    }
}

/// A `postgres://user:password@host:port/database?sslmode=…` URL as PostgresNIO's client
/// configuration.
public enum DatabaseURL {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter url: `postgres://` or `postgresql://`; `sslmode` `disable` (default on
    ///   loopback), `prefer` or `require`.
    public static func configuration(_ url: String) throws(Invalid) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw Invalid(description: "database URL '\(redacted(url))': expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "database URL '\(redacted(url))' names no host") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "database URL '\(redacted(url))' names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw Invalid(description: "database URL '\(redacted(url))' names no database") }
        let port = components.port ?? 5432
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw Invalid(description: "database URL '\(redacted(url))': sslmode '\(mode)' is not one of disable, prefer, require")
        }
        return PostgresClient.Configuration(
            host: host, port: port, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tls: tls)
    }

    /// The URL with its password replaced, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}
