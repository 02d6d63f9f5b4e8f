import Foundation
import HandoffAPI
import HandoffEngine
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
/// end, and cancels it otherwise. Every text frame goes to the inbox with its arrival time.
final class SocketChannel: Sendable {
    private struct State {
        var writer: WebSocketOutboundWriter?
        var closing = false
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let ended = OneShot<Bool>()

    private init() {}

    /// Opens a socket. `authToken` (agents) is sent as the first frame and must be answered
    /// with `auth:success`.
    static func open(
        url: String, receiver: ReceivedPush.Receiver, authToken: String?, timeout: Duration, inbox: PushInbox, decoding: WireDecoding,
        logger: Logger
    ) async throws(DriverFailure) -> SocketChannel {
        let channel = SocketChannel()
        let opened = OneShot<Result<Void, DriverFailure>>()
        let clock = SystemWallClock()
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
                        inbox.deliver(ReceivedPush(receiver: receiver, receivedAt: clock.now(), event: PushDecoding.event(text, decoding: decoding)))
                    }
                }
                let reason = close.map { "code \($0.closeCode)" + ($0.reason.map { ", \($0)" } ?? "") } ?? "connection ended"
                if !opened.set(.failure(.transport("the server closed the socket (\(reason))"))), !channel.isClosing {
                    inbox.deliver(ReceivedPush(receiver: receiver, receivedAt: clock.now(), event: .closed(reason)))
                }
            } catch {
                if !opened.set(.failure(.transport("cannot open \(url): \(WireClient.describe(error))"))), !channel.isClosing {
                    inbox.deliver(ReceivedPush(receiver: receiver, receivedAt: clock.now(), event: .closed("\(error)")))
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
            throw .transport("\(url) did not open within \(timeout.formatted)")
        }
    }

    var isClosing: Bool { state.withLock { $0.closing } }

    /// Closes the socket (normal closure) and waits for its task, cancelling it after 2 s.
    func close() async {
        let (writer, task) = state.withLock { state in
            state.closing = true
            return (state.writer, state.task)
        }
        if let writer { try? await writer.close(.normalClosure, reason: nil) }
        if await ended.wait(timeout: .seconds(2)) == nil { task?.cancel() }
        await task?.value
    }
}

/// Frames of CONTRACT.md §5 (and the widget socket) to ``PushEvent``s.
enum PushDecoding {
    static func event(_ text: String, decoding: WireDecoding) -> PushEvent {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        typealias Frame = HandoffAPI.WebSocketFrame
        do {
            let type = try decoder.decode(Frame.Header.self, from: data).type
            switch type {
            case Frame.FrameType.handoffStatus:
                let payload = try decoder.decode(Frame.Envelope<Frame.HandoffStatusChanged>.self, from: data).payload
                return .handoffStatus(try decoding.id(payload.handoffId, "handoffId"), try decoding.status(payload.status))
            case Frame.FrameType.handoffMessage, Frame.FrameType.agentMessage:
                let payload = try decoder.decode(Frame.Envelope<Frame.MessagePosted>.self, from: data).payload
                return .message(try decoding.message(payload.message))
            case Frame.FrameType.newHandoff:
                return .newHandoff(try decoding.handoff(try decoder.decode(Frame.Envelope<Frame.NewHandoff>.self, from: data).payload.handoff))
            case Frame.FrameType.handoffPickedUp:
                let payload = try decoder.decode(Frame.Envelope<Frame.PickedUp>.self, from: data).payload
                return .pickedUp(try decoding.id(payload.handoffId, "handoffId"), agentName: payload.agentName)
            case Frame.FrameType.handoffResolved:
                let payload = try decoder.decode(Frame.Envelope<Frame.Resolved>.self, from: data).payload
                return .resolved(try decoding.id(payload.handoffId, "handoffId"))
            case Frame.FrameType.agentStatus:
                let payload = try decoder.decode(Frame.Envelope<Frame.AgentStatusChanged>.self, from: data).payload
                return .agentStatus(decoding.agentID(payload.agentId), payload.status)
            default:
                return .other(type)
            }
        } catch {
            return .unreadable("\(error): \(text.prefix(200))")
        }
    }
}
