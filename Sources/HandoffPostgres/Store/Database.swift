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
    /// The database rolled the statement back to resolve a conflict with another transaction
    /// (SQLSTATE 40001 serialization failure, 40P01 deadlock): nothing was written, and running
    /// it again may succeed.
    case rolledBack(String)
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
        if let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState], state == "40001" || state == "40P01" {
            self = .rolledBack(state)
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
        // Whichever comes first, the answer or the deadline, resumes the caller; the other finds
        // it decided. Two tasks, unstructured on purpose: a call stuck on a dead connection must
        // not hold the caller past the deadline while it unwinds.
        let decided = Mutex(false)
        let finish: @Sendable (Result<T, any Error>) -> Void = { result in
            let first = decided.withLock { done -> Bool in
                if done { return false }
                done = true
                return true
            }
            if first { outer.resume(returning: result) }
        }
        // The worker stops the timer when it answers; the timer cancels the worker at the
        // deadline, so the call stops waiting on the database too.
        let timer = Mutex<Task<Void, Never>?>(nil)
        let worker = Task {
            do {
                finish(.success(try await work()))
            } catch {
                finish(.failure(error))
            }
            timer.withLock { $0 }?.cancel()
        }
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            worker.cancel()
            finish(.failure(DatabaseFailure.unavailable("no answer from the database within \(timeout)")))
        }
        timer.withLock { $0 = deadline }
        // Answered before the timer was handed over: stop it now rather than at the deadline.
        if decided.withLock({ $0 }) { deadline.cancel() }
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

    /// - Parameter url: `postgres://` or `postgresql://`; `sslmode` `disable` (the default),
    ///   `prefer` or `require`; `options=-c%20search_path%3Dname` for server settings.
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
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tls: tls)
        if let options = components.queryItems?.first(where: { $0.name == "options" })?.value {
            configuration.options.additionalStartupParameters = try settings(options, url: url)
        }
        for item in components.queryItems ?? [] where !["sslmode", "options"].contains(item.name) {
            throw Invalid(description: "database URL '\(redacted(url))': unknown parameter '\(item.name)' (known: sslmode, options)")
        }
        return configuration
    }

    /// libpq's `options` parameter: `-c NAME=VALUE` settings (e.g. `-c search_path=handoff`),
    /// sent as startup parameters.
    static func settings(_ options: String, url: String) throws(Invalid) -> [(String, String)] {
        var out: [(String, String)] = []
        var tokens = options.split(whereSeparator: \.isWhitespace).map(String.init)[...]
        while let token = tokens.popFirst() {
            let setting: String
            if token == "-c", let next = tokens.popFirst() {
                setting = next
            } else if token.hasPrefix("-c"), token.count > 2 {
                setting = String(token.dropFirst(2))
            } else {
                throw Invalid(description: "database URL '\(redacted(url))': options must be '-c name=value' settings, found '\(token)'")
            }
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Invalid(description: "database URL '\(redacted(url))': option '\(setting)' is not name=value")
            }
            out.append((parts[0], parts[1]))
        }
        return out
    }

    /// The URL with its password replaced, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(unparseable URL)"
    }
}
