import HandoffAPI
import HandoffClient
import HandoffEngine
import Synchronization

extension LiveDriver {
    public func perform(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure> {
        do throws(RequestFailure) {
            return .success(try await execute(command))
        } catch {
            return .failure(error)
        }
    }

    private func execute(_ command: DriverCommand) async throws(RequestFailure) -> DriverReply {
        switch command {
        case .chat(let widget, let chat, let message):
            let body = WidgetChatRequest(apiKey: try apiKey(widget), message: message, chatId: chat, referrer: widget.referrer)
            let reply = try await wire.call(.POST, APIPath.widgetChat, body: body, referrer: widget.referrer, as: WidgetChatResponse.self)
            return .assistant(chat: reply.chatId, replies: reply.messages)
        case .requestHandoff(let widget, let history, let last):
            let body = HandoffRequestBody(
                apiKey: try apiKey(widget), chatId: widget.chatID, conversationHistory: history.map { ChatTurnBody(role: $0.role, content: $0.content) },
                lastUserMessage: last, referrer: widget.referrer)
            let reply = try await wire.call(.POST, APIPath.widgetHandoff, body: body, referrer: widget.referrer, as: HandoffCreatedResponse.self)
            let id: HandoffID = try decoding.id(reply.handoffId, "handoffId")
            let created = state.withLock { $0.knownHandoffs.insert(id).inserted }
            return .handoff(id: id, status: reply.status, message: reply.message, created: created)
        case .submitEmail(let widget, let email, let message):
            let body = HandoffRequestBody(apiKey: try apiKey(widget), chatId: widget.chatID, userEmail: email, userMessage: message, referrer: widget.referrer)
            let reply = try await wire.call(.POST, APIPath.widgetHandoff, body: body, referrer: widget.referrer, as: HandoffCreatedResponse.self)
            let id: HandoffID = try decoding.id(reply.handoffId, "handoffId")
            state.withLock { _ = $0.knownHandoffs.insert(id) }
            return .handoff(id: id, status: reply.status, message: reply.message, created: false)
        case .widgetSend(let widget, let handoff, let text):
            let body = WidgetMessageRequest(apiKey: try apiKey(widget), message: text, referrer: widget.referrer)
            _ = try await wire.call(.POST, APIPath.widgetMessage(handoff.description), body: body, referrer: widget.referrer, as: SuccessBody.self)
            return .done
        case .endChat(let widget, let handoff):
            let body = EndChatRequest(apiKey: try apiKey(widget), chatId: widget.chatID, handoffId: handoff?.description, referrer: widget.referrer)
            _ = try await wire.call(.POST, APIPath.widgetEndChat, body: body, referrer: widget.referrer, as: SuccessBody.self)
            return .ended(.unknown)
        case .login(let agent):
            try await logIn(agent)
            return .done
        case .logout(let agent):
            _ = try await wire.call(.POST, APIPath.logout, body: WireClient.EmptyBody(), token: try token(agent), connection: client(agent), as: LogoutResponse.self)
            return .done
        case .heartbeat(let agent):
            _ = try await wire.call(.POST, APIPath.heartbeat, body: WireClient.EmptyBody(), token: try token(agent), connection: client(agent), as: HeartbeatResponse.self)
            return .done
        case .setStatus(let agent, let status):
            try await setStatus(agent, status)
            return .done
        case .pickUp(let agent, let handoff):
            _ = try await agentCall(agent, .POST, APIPath.pickUp(handoff.description), as: HandoffBody.self)
            return .done
        case .agentSend(let agent, let handoff, let text):
            let message = try await agentCall(agent, .POST, APIPath.sendMessage(handoff.description), body: SendMessageRequest(message: text), as: MessageBody.self)
            return .message(try decoding.message(message))
        case .resolve(let agent, let handoff):
            _ = try await agentCall(agent, .POST, APIPath.resolve(handoff.description), as: HandoffBody.self)
            return .done
        case .assign(let admin, let handoff, let agent):
            let body = AssignRequest(agentId: try serverAgentID(agent))
            _ = try await agentCall(admin, .POST, APIPath.assign(handoff.description), body: body, as: HandoffBody.self)
            return .done
        case .setRouting(let admin, let routing):
            _ = try await agentCall(admin, .PUT, APIPath.tenantRouting, body: TenantRoutingBody(routing: routing.rawValue), as: TenantRoutingBody.self)
            return .done
        }
    }

    /// A request by an account with its own token, on its own connection.
    func agentCall<Reply: Decodable>(_ handle: String, _ method: WireClient.Method, _ path: String, body: (any Encodable)? = WireClient.EmptyBody(),
                                     patient: Bool = false, as type: Reply.Type) async throws(RequestFailure) -> Reply {
        try await wire.call(method, path, body: method == .GET ? nil : body, token: try token(handle), connection: client(handle), patient: patient, as: type)
    }

    /// Logs an account in with its fixture password; keeps the token. Returns the user.
    /// - Parameter patient: the harness's own login (setup): waits out rate limits.
    @discardableResult
    func logIn(_ handle: String, patient: Bool = false) async throws(RequestFailure) -> UserBody {
        let fixtures = state.withLock { $0.fixtures }
        let credentials: (email: String, password: String)
        if let (_, agent) = fixtures.agent(handle) {
            credentials = (agent.email, agent.password)
        } else if let (_, user) = fixtures.user(handle) {
            credentials = (user.email, user.password)
        } else {
            throw RequestFailure("no account \(handle) in the fixtures")
        }
        let reply = try await wire.call(.POST, APIPath.login, body: LoginRequest(email: credentials.email, password: credentials.password),
                                        connection: client(handle), patient: patient, as: LoginResponse.self)
        state.withLock { $0.tokens[handle] = reply.token }
        return reply.user
    }

    func setStatus(_ agent: String, _ status: AgentStatus, patient: Bool = false) async throws(RequestFailure) {
        _ = try await agentCall(agent, .PATCH, APIPath.agentStatus(try serverAgentID(agent)), body: StatusRequest(status: status.rawValue),
                                patient: patient, as: SuccessBody.self)
    }
}
