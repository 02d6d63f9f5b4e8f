import HandoffAPI
import HandoffClient
import HandoffEngine
import Synchronization

/// Why a live server cannot run a scenario: every problem found while checking its fixtures.
public struct LiveSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    public var target: String
    public var problems: [String]
    /// Nothing answered (or not as the contract says): the rest could not be checked.
    public var isTransport: Bool

    public var description: String {
        if isTransport { return "cannot use the server at \(target): " + problems.joined(separator: "; ") }
        return "the server at \(target) does not hold this scenario's fixtures (start it with `handoff-sim serve --fixtures FILE` "
            + "with the same fixtures, or pass them to `run --fixtures`):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension LiveDriver {
    /// Checks that the server holds `fixtures` and gives this scenario a clean start.
    ///
    /// Per tenant: every API key (`POST /api/widget/init`: accepted, or refused when the
    /// fixture says expired); every account's password (each login's token is kept, so agents
    /// and observers never have to log in again later); every agent on the server's list
    /// (their ids may differ from the fixtures': they are mapped by email). Then the clean
    /// start: each agent back to its fixture status (the login just made it available), the
    /// tenant's routing back to its fixture value (`/api/tenant/routing` as a `client_admin`;
    /// a server without that endpoint is fine for a `manual` tenant), every pending or active
    /// chat of the tenant closed (`end-chat`, as its widget would), and the dashboard numbers
    /// recorded as the scenario's baseline.
    ///
    /// - Throws: ``LiveSetupError`` listing every problem; on a transport error (no server),
    ///   at the first one.
    public func prepare(_ fixtures: Fixtures) async throws {
        state.withLock { $0.fixtures = fixtures }
        var problems: [String] = []
        do throws(RequestFailure) {
            for tenant in fixtures.tenants { try await prepare(tenant, problems: &problems) }
        } catch {
            throw LiveSetupError(target: target, problems: [error.description], isTransport: true)
        }
        if !problems.isEmpty { throw LiveSetupError(target: target, problems: problems, isTransport: false) }
    }

    /// Logins in flight at once while preparing.
    static var concurrentLogins: Int { 4 }

    /// The page a widget of the tenant can claim to be on.
    private func referrer(_ tenant: Fixtures.TenantFixture) -> String? {
        tenant.allowedDomains.first.map { "https://\($0)/" }
    }

    /// Checks one tenant; collects refusals into `problems`, throws on transport failures.
    private func prepare(_ tenant: Fixtures.TenantFixture, problems: inout [String]) async throws(RequestFailure) {
        let active = tenant.status == .active
        // API keys.
        for key in tenant.apiKeys {
            let (status, data) = try await wire.send(.POST, APIPath.widgetInit, body: WidgetInitRequest(apiKey: key.key, referrer: referrer(tenant)), patient: true)
            let accepted = (200..<300).contains(status)
            if !accepted, !(400..<500).contains(status) { throw WireClient.failure(status: status, data: data, request: "POST \(APIPath.widgetInit)") }
            if key.expired, accepted {
                problems.append("tenant \(tenant.handle): API key '\(key.handle)' is expired in the fixtures but the server accepts it")
            } else if !key.expired, active, !accepted {
                problems.append("tenant \(tenant.handle): API key '\(key.handle)' is refused (\(WireClient.failure(status: status, data: data, request: "init")))")
            }
        }
        // Accounts: every login must work; keep the tokens. A few at a time, each on its own
        // connection: password hashing makes logins the slow part of setup, and a server that
        // hashes under a lock answers many at once only after all of them.
        let handles = tenant.users.map(\.handle) + tenant.agents.map(\.handle)
        let logins = await withTaskGroup(of: (Int, Result<UserBody, RequestFailure>).self) { group in
            var results: [(Int, Result<UserBody, RequestFailure>)] = []
            for (index, handle) in handles.enumerated() {
                if index >= Self.concurrentLogins, let result = await group.next() { results.append(result) }
                group.addTask {
                    do throws(RequestFailure) { return (index, .success(try await self.logIn(handle, patient: true))) } catch { return (index, .failure(error)) }
                }
            }
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var serverTenant: String?
        for (handle, login) in zip(handles, logins) {
            switch login {
            case .success(let user):
                if let known = serverTenant, user.tenantId != known {
                    problems.append("tenant \(tenant.handle): account \(handle) belongs to another tenant on the server")
                }
                serverTenant = serverTenant ?? user.tenantId
            case .failure(let error) where error.isTransport:
                throw error
            case .failure(let error):
                if active { problems.append("tenant \(tenant.handle): account \(handle) cannot log in: \(error)") }
            }
        }
        // The observer: a client_admin, else any user, else any agent that could log in.
        let candidates = tenant.users.filter { $0.role == .clientAdmin }.map(\.handle) + tenant.users.map(\.handle) + tenant.agents.map(\.handle)
        guard let observer = candidates.first(where: { handle in state.withLock { $0.tokens[handle] != nil } }) else { return }
        state.withLock { $0.observers[tenant.handle] = observer }
        // Agents: map the server's ids by email.
        let listed: [AgentBody]
        do throws(RequestFailure) {
            listed = try await observe(tenant.handle, APIPath.agents, as: [AgentBody].self)
        } catch where !error.isTransport {
            problems.append("tenant \(tenant.handle): cannot list its agents as \(observer): \(error)")
            return
        }
        for agent in tenant.agents {
            guard let body = listed.first(where: { $0.email.lowercased() == agent.email.lowercased() }) else {
                problems.append("tenant \(tenant.handle): agent \(agent.handle) (\(agent.email)) is not on the server")
                continue
            }
            state.withLock { state in
                state.agentServerIDs[agent.handle] = body.id
                state.serverAgents[body.id] = Fixtures.agentID(tenant: tenant.handle, agent: agent.handle)
            }
        }
        guard problems.isEmpty, active else { return }
        // Clean start: fixture statuses, no open chats, a metrics baseline.
        for agent in tenant.agents where agent.status != .available && state.withLock({ $0.tokens[agent.handle] != nil }) {
            do throws(RequestFailure) {
                try await setStatus(agent.handle, agent.status, patient: true)
            } catch where !error.isTransport {
                problems.append("tenant \(tenant.handle): cannot set agent \(agent.handle) \(agent.status.rawValue): \(error)")
            }
        }
        try await restoreRouting(tenant, problems: &problems)
        try await closeOpenChats(tenant, problems: &problems)
        if let baseline = try await currentMetrics(tenant.handle) { state.withLock { $0.baselines[tenant.handle] = baseline } }
    }

    /// Puts the tenant's routing back to the fixtures' (an earlier run may have switched it),
    /// as one of its `client_admin` accounts.
    private func restoreRouting(_ tenant: Fixtures.TenantFixture, problems: inout [String]) async throws(RequestFailure) {
        let admins = tenant.users.filter { $0.role == .clientAdmin }.map(\.handle) + tenant.agents.filter { $0.role == .clientAdmin }.map(\.handle)
        guard let admin = admins.first(where: { handle in state.withLock { $0.tokens[handle] != nil } }) else {
            if tenant.routing.isAutomatic {
                problems.append("tenant \(tenant.handle) is routed \(tenant.routing.rawValue) in the fixtures but has no client_admin account to check that on the server")
            }
            return
        }
        let wanted = tenant.routing.rawValue
        do throws(RequestFailure) {
            let current = try await agentCall(admin, .GET, APIPath.tenantRouting, patient: true, as: TenantRoutingBody.self)
            if Tenant.Routing(name: current.routing) != tenant.routing {
                _ = try await agentCall(admin, .PUT, APIPath.tenantRouting, body: TenantRoutingBody(routing: wanted), patient: true, as: TenantRoutingBody.self)
            }
        } catch where error.status == 404 {
            if tenant.routing.isAutomatic {
                problems.append("tenant \(tenant.handle) is routed \(tenant.routing.rawValue) in the fixtures, but the server has no \(APIPath.tenantRouting) (it cannot route)")
            }
        } catch where !error.isTransport {
            problems.append("tenant \(tenant.handle): cannot set its routing to \(wanted) as \(admin): \(error)")
        }
    }

    /// Ends every pending or active chat of the tenant (left by an earlier run), as its widget would.
    private func closeOpenChats(_ tenant: Fixtures.TenantFixture, problems: inout [String]) async throws(RequestFailure) {
        let open = try await observe(tenant.handle, APIPath.pendingHandoffs, as: [HandoffBody].self)
            + observe(tenant.handle, APIPath.activeHandoffs, as: [HandoffBody].self)
        guard !open.isEmpty else { return }
        guard let key = tenant.apiKeys.first(where: { !$0.expired }) else {
            problems.append("tenant \(tenant.handle) has \(open.count) open chat(s) from an earlier run and no valid API key to close them: restart the server")
            return
        }
        for h in open {
            let body = EndChatRequest(apiKey: key.key, chatId: h.chatId, handoffId: h.id, referrer: referrer(tenant))
            do throws(RequestFailure) {
                _ = try await wire.call(.POST, APIPath.widgetEndChat, body: body, referrer: referrer(tenant), patient: true, as: SuccessBody.self)
            } catch where !error.isTransport {
                problems.append("tenant \(tenant.handle): cannot close chat \(h.chatId) left by an earlier run: \(error)")
            }
        }
    }
}
