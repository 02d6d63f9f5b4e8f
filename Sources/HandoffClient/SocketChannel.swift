import Foundation
import HandoffAPI
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// One client's WebSocket: a task running the connection, the writer to close it with, and
/// whether the client itself asked to close (so only a server-side close becomes a finding).
///
/// Lifetime: ``open(url:receiver:authToken:timeout:inbox:decoding:logger:)`` starts the
/// connection and returns once it is usable (upgraded; for an agent, `auth:success`
/// received) or throws; ``close()`` sends a close frame, waits briefly for the connection to
/// end, and cancels it otherwise. Every text frame, and a close the client did not ask for, goes
/// to the `onEvent` callback as it arrives (on the socket's task: keep it short, e.g. stamp the
/// time and put it in an inbox).
public final class SocketChannel: Sendable {
    /// What the socket hands to its owner.
    public enum Event: Sendable {
        /// A text frame, as received.
        case text(String)
        /// The server closed the socket, or the connection broke, without the client asking.
        case closed(reason: String)
    }

    private struct State {
        package var writer: WebSocketOutboundWriter?
        package var closing = false
        package var task: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let ended = OneShot<Bool>()

    private init() {}

    /// Opens a socket. `authToken` (agents) is sent as the first frame and must be answered
    /// with `auth:success`.
    /// - Throws: a transport ``RequestFailure`` when the socket does not open (refused,
    ///   closed before `auth:success`, or not open within `timeout`).
    public static func open(
        url: String, authToken: String?, timeout: Duration, logger: Logger, onEvent: @escaping @Sendable (Event) -> Void
    ) async throws(RequestFailure) -> SocketChannel {
        let channel = SocketChannel()
        let opened = OneShot<Result<Void, RequestFailure>>()
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2)), logger: logger
                ) { inbound, outbound, _ in
                    channel.state.withLock { $0.writer = outbound }
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    if let authToken {
                        let frame = try JSONEncoder().encode(HandoffAPI.WebSocketFrame.Auth(token: authToken))
                        try await outbound.write(.text(String(decoding: frame, as: UTF8.self)))
                        guard case .text(let reply)? = try await messages.next() else {
                            opened.set(.failure(.transport("the socket closed before auth:success")))
                            return
                        }
                        guard (try? JSONDecoder().decode(HandoffAPI.WebSocketFrame.Header.self, from: Data(reply.utf8)))?.type == HandoffAPI.WebSocketFrame.FrameType.authSuccess else {
                            opened.set(.failure(.transport("expected auth:success, got \(reply.prefix(200))")))
                            return
                        }
                    }
                    opened.set(.success(()))
                    while let message = try await messages.next() {
                        guard case .text(let text) = message else { continue }
                        onEvent(.text(text))
                    }
                }
                let reason = close.map { "code \($0.closeCode)" + ($0.reason.map { ", \($0)" } ?? "") } ?? "connection ended"
                if !opened.set(.failure(.transport("the server closed the socket (\(reason))"))), !channel.isClosing {
                    onEvent(.closed(reason: reason))
                }
            } catch {
                if !opened.set(.failure(.transport("cannot open \(url): \(WireClient.describe(error))"))), !channel.isClosing {
                    onEvent(.closed(reason: "\(error)"))
                }
            }
            channel.ended.set(true)
        }
        channel.state.withLock { $0.task = task }
        switch await opened.wait(timeout: timeout) {
        case .success?:
            return channel
        case .failure(let failure)?:
            await channel.close()
            throw failure
        case nil:
            await channel.close()
            throw .transport("\(url) did not open within \(timeout)")
        }
    }

    public var isClosing: Bool { state.withLock { $0.closing } }

    /// Closes the socket (normal closure) and waits for its task, cancelling it after 2 s.
    public func close() async {
        let (writer, task) = state.withLock { state in
            state.closing = true
            return (state.writer, state.task)
        }
        if let writer { try? await writer.close(.normalClosure, reason: nil) }
        if await ended.wait(timeout: .seconds(2)) == nil { task?.cancel() }
        await task?.value
    }
}
