import Foundation
import HandoffAPI
import HandoffEngine

// The rows of the schema as the store exchanges them with PostgreSQL: each table's row is one
// Codable struct whose keys are the table's column names (times as whole milliseconds,
// `*_ms`). Writes send a JSON array of them (`jsonb_to_recordset`), reads get one back
// (`jsonb_agg`), and event payloads reuse them, so each table's mapping is written once.

/// A stored row that does not make a valid record: names the table, the row and the field.
struct DamagedRow: Error, CustomStringConvertible {
    var table: String
    var id: String
    var field: String
    var description: String { "\(table) row \(id): invalid \(field)" }
}

func parse<ID: DomainIdentifier>(_ text: String, _ table: String, _ field: String, row: String) throws -> ID {
    guard let id = ID(text) else { throw DamagedRow(table: table, id: row, field: field) }
    return id
}

func parseOptional<ID: DomainIdentifier>(_ text: String?, _ table: String, _ field: String, row: String) throws -> ID? {
    try text.map { try parse($0, table, field, row: row) }
}

extension Timestamp {
    init?(ms: Int64?) {
        guard let ms else { return nil }
        self.init(milliseconds: ms)
    }
}

enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

// MARK: - tenants

struct TenantRow: Codable {
    var id: String
    var name: String
    var status: String
    var routing: String
    /// The whole ``Tenant`` (look, domains, assistant script), as the engine encodes it. Always
    /// read; written only when the commands changed the tenant (`nil`, so NULL: unchanged).
    var settings: Tenant?
    var version: Int64
    var published_events: Int64
    var latest_ms: Int64
    /// Writes only: the first event sequence number the write stores (for its notification).
    var first_event: Int64?
}

// MARK: - client_users

struct UserRow: Codable {
    var id: String
    var tenant_id: String?
    var email: String
    /// `pbkdf2-sha256$ITERATIONS$SALT$DIGEST`, salt and digest in hex.
    var password_hash: String
    var first_name: String
    var last_name: String
    var role: String

    init(_ user: User) {
        id = user.id.description
        tenant_id = user.tenantID?.description
        email = user.email
        password_hash = "pbkdf2-sha256$\(user.passwordHash.iterations)$\(Hex.encode(user.passwordHash.salt))$\(Hex.encode(user.passwordHash.digest))"
        first_name = user.firstName
        last_name = user.lastName
        role = user.role.rawValue
    }

    func user() throws -> User {
        let parts = password_hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations >= 1,
            let salt = Hex.decode(String(parts[2])), let digest = Hex.decode(String(parts[3]))
        else { throw DamagedRow(table: "client_users", id: id, field: "password_hash") }
        guard let role = Role(rawValue: role) else { throw DamagedRow(table: "client_users", id: id, field: "role") }
        return User(
            id: try parse(id, "client_users", "id", row: id), tenantID: try parseOptional(tenant_id, "client_users", "tenant_id", row: id),
            email: email, passwordHash: PasswordHash(salt: salt, iterations: iterations, digest: digest), firstName: first_name,
            lastName: last_name, role: role)
    }
}

// MARK: - human_agents

struct AgentRow: Codable {
    var id: String
    var tenant_id: String
    var name: String
    var email: String
    var status: String
    var active_chats: Int
    var max_chats: Int
    var created_ms: Int64
    var last_seen_ms: Int64
    var idle_since_ms: Int64
    var status_before_sweep: String?

    init(_ stored: HandoffCore.StoredAgent) {
        let a = stored.agent
        id = a.id.description
        tenant_id = a.tenantID.description
        name = a.name
        email = a.email
        status = a.status.rawValue
        active_chats = a.activeChats
        max_chats = a.maxChats
        created_ms = a.createdAt.milliseconds
        last_seen_ms = a.lastSeen.milliseconds
        idle_since_ms = stored.idleSince.milliseconds
        status_before_sweep = stored.statusBeforeSweep?.rawValue
    }

    func agent() throws -> Agent {
        guard let status = AgentStatus(rawValue: status) else { throw DamagedRow(table: "human_agents", id: id, field: "status") }
        return Agent(
            id: try parse(id, "human_agents", "id", row: id), tenantID: try parse(tenant_id, "human_agents", "tenant_id", row: id),
            name: name, email: email, status: status, activeChats: active_chats, maxChats: max_chats,
            createdAt: Timestamp(milliseconds: created_ms), lastSeen: Timestamp(milliseconds: last_seen_ms))
    }

    func stored() throws -> HandoffCore.StoredAgent {
        var before: AgentStatus?
        if let status_before_sweep {
            guard let status = AgentStatus(rawValue: status_before_sweep) else {
                throw DamagedRow(table: "human_agents", id: id, field: "status_before_sweep")
            }
            before = status
        }
        return HandoffCore.StoredAgent(agent: try agent(), idleSince: Timestamp(milliseconds: idle_since_ms), statusBeforeSweep: before)
    }
}

// MARK: - widget_api_keys

struct APIKeyRow: Codable {
    var id: String
    var tenant_id: String
    var key_prefix: String
    var key_hash: String
    var name: String
    var created_ms: Int64
    var expires_ms: Int64?
    var last_used_ms: Int64?

    init(_ key: APIKey) {
        id = key.id.description
        tenant_id = key.tenantID.description
        key_prefix = key.keyPrefix
        key_hash = Hex.encode(key.keyDigest)
        name = key.name
        created_ms = key.createdAt.milliseconds
        expires_ms = key.expiresAt?.milliseconds
        last_used_ms = key.lastUsed?.milliseconds
    }

    func key() throws -> APIKey {
        guard let digest = Hex.decode(key_hash) else { throw DamagedRow(table: "widget_api_keys", id: id, field: "key_hash") }
        return APIKey(
            id: try parse(id, "widget_api_keys", "id", row: id), tenantID: try parse(tenant_id, "widget_api_keys", "tenant_id", row: id),
            keyPrefix: key_prefix, keyDigest: digest, name: name, createdAt: Timestamp(milliseconds: created_ms),
            expiresAt: Timestamp(ms: expires_ms), lastUsed: Timestamp(ms: last_used_ms))
    }
}

// MARK: - widget_handoffs

struct HandoffRow: Codable {
    var id: String
    var tenant_id: String
    var chat_id: String
    var status: String
    var requested_ms: Int64
    var picked_up_ms: Int64?
    var resolved_ms: Int64?
    var assigned_agent_id: String?
    /// `user`, or the resolving agent's id.
    var resolved_by: String?
    var user_email: String?
    var user_message: String?
    var conversation_history: [ChatTurn]
    var last_user_message: String?
    var metadata: [String: String]
    var end_deadline_ms: Int64?
    var end_message_id: String?

    init(_ h: Handoff, pendingEnd: HandoffCore.StoredEnd?) {
        id = h.id.description
        tenant_id = h.tenantID.description
        chat_id = h.chatID.rawValue
        status = h.state.rawValue
        requested_ms = h.requestedAt.milliseconds
        picked_up_ms = h.pickedUpAt?.milliseconds
        resolved_ms = h.resolvedAt?.milliseconds
        assigned_agent_id = h.assignedAgentID?.description
        resolved_by = h.resolvedBy.map {
            switch $0 {
            case .user: "user"
            case .agent(let id): id.description
            }
        }
        user_email = h.userEmail
        user_message = h.userMessage
        conversation_history = h.conversationHistory
        last_user_message = h.lastUserMessage
        metadata = h.metadata
        end_deadline_ms = pendingEnd?.deadline.milliseconds
        end_message_id = pendingEnd?.systemMessageID.description
    }

    func handoff() throws -> Handoff {
        guard let state = HandoffState(rawValue: status) else { throw DamagedRow(table: "widget_handoffs", id: id, field: "status") }
        var resolver: Resolver?
        if let resolved_by {
            resolver = resolved_by == "user" ? .user : .agent(try parse(resolved_by, "widget_handoffs", "resolved_by", row: id))
        }
        return Handoff(
            id: try parse(id, "widget_handoffs", "id", row: id), tenantID: try parse(tenant_id, "widget_handoffs", "tenant_id", row: id),
            chatID: ChatID(chat_id), state: state, requestedAt: Timestamp(milliseconds: requested_ms), pickedUpAt: Timestamp(ms: picked_up_ms),
            resolvedAt: Timestamp(ms: resolved_ms),
            assignedAgentID: try parseOptional(assigned_agent_id, "widget_handoffs", "assigned_agent_id", row: id), resolvedBy: resolver,
            userEmail: user_email, userMessage: user_message, conversationHistory: conversation_history, lastUserMessage: last_user_message,
            metadata: metadata)
    }

    func pendingEnd() throws -> HandoffCore.StoredEnd? {
        guard let end_deadline_ms else { return nil }
        guard let end_message_id, let message = MessageID(end_message_id) else {
            throw DamagedRow(table: "widget_handoffs", id: id, field: "end_message_id")
        }
        return HandoffCore.StoredEnd(deadline: Timestamp(milliseconds: end_deadline_ms), systemMessageID: message)
    }
}

// MARK: - widget_handoff_messages

struct MessageRow: Codable {
    var id: String
    var handoff_id: String
    var sequence: Int
    var sender_type: String
    var sender_id: String?
    var content: String
    var timestamp_ms: Int64

    init(_ m: Message) {
        id = m.id.description
        handoff_id = m.handoffID.description
        sequence = m.sequence
        sender_type = m.senderType.rawValue
        sender_id = m.senderID?.description
        content = m.content
        timestamp_ms = m.timestamp.milliseconds
    }

    func message() throws -> Message {
        guard let sender = SenderType(rawValue: sender_type) else { throw DamagedRow(table: "widget_handoff_messages", id: id, field: "sender_type") }
        return Message(
            id: try parse(id, "widget_handoff_messages", "id", row: id),
            handoffID: try parse(handoff_id, "widget_handoff_messages", "handoff_id", row: id), sequence: sequence, senderType: sender,
            senderID: try parseOptional(sender_id, "widget_handoff_messages", "sender_id", row: id), content: content,
            timestamp: Timestamp(milliseconds: timestamp_ms))
    }
}

// MARK: - assistant_chats

struct AssistantLine: Codable {
    var id: String
    var role: ChatRole
    var content: String
    var timestamp_ms: Int64
}

struct AssistantChatRow: Codable {
    var chat_id: String
    var tenant_id: String
    var lines: [AssistantLine]
    var wordy_messages: Int

    init(_ chat: HandoffCore.StoredAssistantChat, tenant: TenantID) {
        chat_id = chat.chatID.rawValue
        tenant_id = tenant.description
        lines = chat.lines.map { AssistantLine(id: $0.id.description, role: $0.role, content: $0.content, timestamp_ms: $0.timestamp.milliseconds) }
        wordy_messages = chat.wordyMessages
    }

    func stored() throws -> HandoffCore.StoredAssistantChat {
        HandoffCore.StoredAssistantChat(
            chatID: ChatID(chat_id),
            lines: try lines.map {
                ChatLine(
                    id: try parse($0.id, "assistant_chats", "lines.id", row: chat_id), role: $0.role, content: $0.content,
                    timestamp: Timestamp(milliseconds: $0.timestamp_ms))
            }, wordyMessages: wordy_messages)
    }
}

// MARK: - handoff_events

/// A published event as stored for the other processes (`handoff_events.payload`).
struct EventRow: Codable {
    var kind: String
    var tenant_id: String
    var handoff: HandoffRow?
    var agent: AgentRow?
    var message: MessageRow?

    init(_ event: HandoffEvent) {
        tenant_id = event.tenantID.description
        switch event {
        case .handoffRequested(let h): kind = "handoffRequested"; handoff = HandoffRow(h, pendingEnd: nil)
        case .afterHoursRecorded(let h): kind = "afterHoursRecorded"; handoff = HandoffRow(h, pendingEnd: nil)
        case .handoffPickedUp(let h, let a):
            kind = "handoffPickedUp"
            handoff = HandoffRow(h, pendingEnd: nil)
            agent = AgentRow(HandoffCore.StoredAgent(agent: a, idleSince: a.lastSeen, statusBeforeSweep: nil))
        case .messagePosted(let m, _): kind = "messagePosted"; message = MessageRow(m)
        case .handoffResolved(let h): kind = "handoffResolved"; handoff = HandoffRow(h, pendingEnd: nil)
        case .handoffWithdrawn(let h): kind = "handoffWithdrawn"; handoff = HandoffRow(h, pendingEnd: nil)
        case .agentStatusChanged(let a):
            kind = "agentStatusChanged"
            agent = AgentRow(HandoffCore.StoredAgent(agent: a, idleSince: a.lastSeen, statusBeforeSweep: nil))
        }
    }

    func event() throws -> HandoffEvent {
        func needHandoff() throws -> Handoff {
            guard let handoff else { throw DamagedRow(table: "handoff_events", id: kind, field: "handoff") }
            return try handoff.handoff()
        }
        func needAgent() throws -> Agent {
            guard let agent else { throw DamagedRow(table: "handoff_events", id: kind, field: "agent") }
            return try agent.agent()
        }
        switch kind {
        case "handoffRequested": return .handoffRequested(try needHandoff())
        case "afterHoursRecorded": return .afterHoursRecorded(try needHandoff())
        case "handoffPickedUp": return .handoffPickedUp(try needHandoff(), agent: try needAgent())
        case "messagePosted":
            guard let message else { throw DamagedRow(table: "handoff_events", id: kind, field: "message") }
            return .messagePosted(try message.message(), tenantID: try parse(tenant_id, "handoff_events", "tenant_id", row: kind))
        case "handoffResolved": return .handoffResolved(try needHandoff())
        case "handoffWithdrawn": return .handoffWithdrawn(try needHandoff())
        case "agentStatusChanged": return .agentStatusChanged(try needAgent())
        default: throw DamagedRow(table: "handoff_events", id: kind, field: "kind")
        }
    }
}

/// JSON to and from the database, one configuration for every row.
enum RowJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        // The rows stream through JSONWriter; JSONEncoder is the fallback for anything it does
        // not stream.
        if let bytes = try? JSONWriter.encode(value) { return String(decoding: bytes, as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain rows of strings and numbers cannot fail.
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "[]"
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, table: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw DamagedRow(table: table, id: "*", field: "\(error)")
        }
    }
}
