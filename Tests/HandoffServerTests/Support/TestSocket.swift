import Foundation
import HandoffAPI
import HandoffServer
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Testing

/// A WebSocket client driven step by step from a test: ``send(_:)`` queues a text frame,
/// ``next()`` returns the next text frame the server sent (or `nil` once it closed).
struct TestSocket: Sendable {
    fileprivate let outgoing: AsyncStream<String>.Continuation
    fileprivate let incoming: AsyncStream<String>

    func send(_ text: String) { outgoing.yield(text) }

    func send(_ frame: some Encodable) throws {
        send(String(decoding: try JSONEncoder().encode(frame), as: UTF8.self))
    }

    /// The next frame; `nil` when the server closed the socket, or after `timeout` (a guard
    /// against a hanging test, never a way to order events; a timeout ends the stream).
    func next(timeout: Duration = .seconds(10)) async -> String? {
        await incoming.first(within: timeout)
    }

    /// Reads frames until the `agent_status` of `agentID` (the fence ``World/fence(_:)`` caused),
    /// skipping whatever came before it: events from just before the socket authenticated,
    /// which the hub, running slightly behind the store, may still deliver.
    func skip(untilStatusOf agentID: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        while true {
            let text = try #require(await next(), "the fence never arrived", sourceLocation: sourceLocation)
            if let frame = try? JSONDecoder().decode(
                HandoffAPI.WebSocketFrame.Envelope<HandoffAPI.WebSocketFrame.AgentStatusChanged>.self, from: Data(text.utf8)),
               frame.type == HandoffAPI.WebSocketFrame.FrameType.agentStatus, frame.payload.agentId == agentID
            {
                return
            }
        }
    }

    /// The next frame decoded as an envelope of `payload`, after checking its `type`.
    func next<Payload: Codable & Hashable & Sendable>(
        _ type: String, as payload: Payload.Type, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Payload {
        let text = try #require(await next(), "expected a \(type) frame", sourceLocation: sourceLocation)
        let header = try JSONDecoder().decode(HandoffAPI.WebSocketFrame.Header.self, from: Data(text.utf8))
        try #require(header.type == type, "expected \(type), got \(text)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(HandoffAPI.WebSocketFrame.Envelope<Payload>.self, from: Data(text.utf8)).payload
    }
}

/// Opens a socket to `path` on the live server at `port`, runs `body` with it, then closes it
/// from the client side (unless the server already did) and returns the server's close frame.
@discardableResult
func withSocket(
    port: Int, path: String, _ body: @Sendable (TestSocket) async throws -> Void
) async throws -> WebSocketCloseFrame? {
    let (incoming, received) = AsyncStream.makeStream(of: String.self)
    let (outgoingFrames, outgoing) = AsyncStream.makeStream(of: String.self)
    let logger = { var logger = Logger(label: "test-socket"); logger.logLevel = .warning; return logger }()
    return try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
        group.addTask {
            try await WebSocketClient.connect(url: "ws://localhost:\(port)\(path)", logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    writers.addTask {
                        for await text in outgoingFrames { try await outbound.write(.text(text)) }
                        // The test is done: close from our side (a no-op if the server closed first).
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { received.yield(text) }
                    }
                    received.finish()
                    outgoing.finish()
                    try? await writers.waitForAll()
                }
            }
        }
        do {
            try await body(TestSocket(outgoing: outgoing, incoming: incoming))
        } catch {
            outgoing.finish()
            group.cancelAll()
            throw error
        }
        outgoing.finish()
        return try await group.next() ?? nil
    }
}
