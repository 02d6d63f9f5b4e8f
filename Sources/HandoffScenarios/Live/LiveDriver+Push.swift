import HandoffAPI
import HandoffClient
import HandoffEngine
import Synchronization

/// The WebSocket client model's channels: the widget socket (our extension,
/// `/api/widget/ws?apiKey=&handoffId=[&referrer=]`) and the agent socket (`/api/ws`, docs/api.md).
extension LiveDriver: PushChannels {
    public func openWidgetChannel(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) {
        let url = live.webSocketBaseURL + APIPath.widgetSocket + "?" + [
            ("apiKey", try apiKey(widget)), ("handoffId", handoff.description), ("referrer", widget.referrer),
        ].compactMap { name, value in value.map { "\(name)=\(WireClient.encode($0))" } }.joined(separator: "&")
        try await open(.widget(widget.handle), url: url, authToken: nil)
    }

    public func closeWidgetChannel(_ widget: String) async { await close(.widget(widget)) }

    public func openAgentChannel(agent: String) async throws(RequestFailure) {
        try await open(.agent(agent), url: live.webSocketBaseURL + APIPath.agentSocket, authToken: try token(agent))
    }

    public func closeAgentChannel(agent: String) async { await close(.agent(agent)) }

    public func drain() -> [ReceivedPush] { inbox.drain() }

    public func waitForPush(until deadline: Timestamp) async { await inbox.wait(for: deadline - clock.now()) }

    private func open(_ receiver: ReceivedPush.Receiver, url: String, authToken: String?) async throws(RequestFailure) {
        await close(receiver)
        let (inbox, decoding, clock) = (self.inbox, self.decoding, self.clock)
        let channel = try await SocketChannel.open(
            url: url, authToken: authToken, timeout: live.configuration.socketOpenTimeout, logger: live.configuration.logger
        ) { event in
            // Stamped on arrival, decoded into what the runner observes, queued for its next drain.
            let receivedAt = clock.now()
            switch event {
            case .text(let text):
                inbox.deliver(ReceivedPush(receiver: receiver, receivedAt: receivedAt, event: PushDecoding.event(text, decoding: decoding)))
            case .closed(let reason):
                inbox.deliver(ReceivedPush(receiver: receiver, receivedAt: receivedAt, event: .closed(reason)))
            }
        }
        let late = state.withLock { state -> Bool in
            if state.finished { return true }
            state.sockets[receiver] = channel
            return false
        }
        if late { await channel.close() }
    }

    private func close(_ receiver: ReceivedPush.Receiver) async {
        guard let channel = state.withLock({ $0.sockets.removeValue(forKey: receiver) }) else { return }
        await channel.close()
    }
}
