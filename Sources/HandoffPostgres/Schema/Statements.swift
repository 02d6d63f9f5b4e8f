import HandoffEngine
import Logging
import PostgresNIO

/// The store's SQL: one statement to load a tenant, one to write a command's changes.
enum Statements {
    // MARK: Load

    /// Everything stored of one tenant, in one statement (so one snapshot): the tenant row and
    /// JSON arrays of its accounts (and the platform's staff), agents, keys, handoffs, messages
    /// and assistant chats, each in the order the engine made them.
    static let load = """
        SELECT
          (SELECT to_jsonb(r)::text FROM (
             SELECT id::text, name, status, routing, settings, version, published_events, handoff_ms(latest_at) AS latest_ms
             FROM tenants WHERE id = $1::uuid) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), '[]')::text FROM (
             SELECT id::text, tenant_id::text, email, password_hash, first_name, last_name, role
             FROM client_users WHERE tenant_id = $1::uuid OR tenant_id IS NULL) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.creation_order), '[]')::text FROM (
             SELECT id::text, tenant_id::text, name, email, status, active_chats, max_chats, handoff_ms(created_at) AS created_ms,
                    handoff_ms(last_seen) AS last_seen_ms, handoff_ms(idle_since) AS idle_since_ms, status_before_sweep, creation_order
             FROM human_agents WHERE tenant_id = $1::uuid) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), '[]')::text FROM (
             SELECT id::text, tenant_id::text, key_prefix, key_hash, name, handoff_ms(created_at) AS created_ms,
                    handoff_ms(expires_at) AS expires_ms, handoff_ms(last_used) AS last_used_ms
             FROM widget_api_keys WHERE tenant_id = $1::uuid) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.creation_order), '[]')::text FROM (
             SELECT id::text, tenant_id::text, chat_id, status, handoff_ms(requested_at) AS requested_ms,
                    handoff_ms(picked_up_at) AS picked_up_ms, handoff_ms(resolved_at) AS resolved_ms, assigned_agent_id::text,
                    resolved_by, user_email, user_message, conversation_history, last_user_message, metadata,
                    handoff_ms(end_deadline) AS end_deadline_ms, end_message_id::text, creation_order
             FROM widget_handoffs WHERE tenant_id = $1::uuid) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.handoff_id, r.sequence), '[]')::text FROM (
             SELECT m.id::text, m.handoff_id::text, m.sequence, m.sender_type, m.sender_id::text, m.content,
                    handoff_ms(m.timestamp) AS timestamp_ms
             FROM widget_handoff_messages m JOIN widget_handoffs h ON h.id = m.handoff_id WHERE h.tenant_id = $1::uuid) r),
          (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.creation_order), '[]')::text FROM (
             SELECT chat_id, tenant_id::text, lines, wordy_messages, creation_order
             FROM assistant_chats WHERE tenant_id = $1::uuid) r)
        """

    /// The stored tenant and its version, or `nil` when the database has no such tenant.
    static func loadTenant(_ id: TenantID, on client: PostgresClient, logger: Logger) async throws -> (
        stored: HandoffCore.StoredTenant, staff: [User], version: Int64
    )? {
        var binds = PostgresBindings()
        binds.append(id.description)
        let rows = try await client.query(PostgresQuery(unsafeSQL: load, binds: binds), logger: logger)
        for try await (tenantJSON, usersJSON, agentsJSON, keysJSON, handoffsJSON, messagesJSON, chatsJSON) in rows.decode(
            (String?, String, String, String, String, String, String).self)
        {
            guard let tenantJSON else { return nil }
            let tenantRow = try RowJSON.decode(TenantRow.self, from: tenantJSON, table: "tenants")
            let users = try RowJSON.decode([UserRow].self, from: usersJSON, table: "client_users").map { try $0.user() }
            let agents = try RowJSON.decode([AgentRow].self, from: agentsJSON, table: "human_agents").map { try $0.stored() }
            let keys = try RowJSON.decode([APIKeyRow].self, from: keysJSON, table: "widget_api_keys").map { try $0.key() }
            let handoffRows = try RowJSON.decode([HandoffRow].self, from: handoffsJSON, table: "widget_handoffs")
            var messages: [HandoffID: [Message]] = [:]
            for row in try RowJSON.decode([MessageRow].self, from: messagesJSON, table: "widget_handoff_messages") {
                let message = try row.message()
                messages[message.handoffID, default: []].append(message)
            }
            let handoffs = try handoffRows.map { row in
                let h = try row.handoff()
                return HandoffCore.StoredHandoff(handoff: h, messages: messages[h.id] ?? [], pendingEnd: try row.pendingEnd())
            }
            let chats = try RowJSON.decode([AssistantChatRow].self, from: chatsJSON, table: "assistant_chats").map { try $0.stored() }
            var tenant = tenantRow.settings
            // The columns are the truth for what the engine changes; settings hold the rest.
            guard let status = Tenant.Status(rawValue: tenantRow.status) else { throw DamagedRow(table: "tenants", id: tenantRow.id, field: "status") }
            guard let routing = Tenant.Routing(name: tenantRow.routing) else { throw DamagedRow(table: "tenants", id: tenantRow.id, field: "routing") }
            tenant.status = status
            tenant.routing = routing
            tenant.name = tenantRow.name
            let stored = HandoffCore.StoredTenant(
                tenant: tenant, publishedEvents: UInt64(max(0, tenantRow.published_events)), latest: Timestamp(milliseconds: tenantRow.latest_ms),
                users: users.filter { $0.tenantID != nil }, agents: agents, apiKeys: keys, handoffs: handoffs, assistantChats: chats)
            return (stored, users.filter { $0.tenantID == nil }, tenantRow.version)
        }
        return nil
    }

    // MARK: Write

    /// One command's changes as one statement, so one transaction that needs no lock held
    /// across round trips: the tenant row's version is compared and bumped (`$2`), and every
    /// other row is written only if that succeeded. No row back means another process moved
    /// the tenant first: nothing was written, and the caller reloads and runs the command again.
    /// The notification is sent when the statement commits.
    static let write = """
        WITH t AS (
          UPDATE tenants SET version = version + 1, name = $3, status = $4, routing = $5, settings = $6::jsonb,
                 published_events = $7, latest_at = handoff_ts($8)
          WHERE id = $1::uuid AND version = $2
          RETURNING id
        ), u AS (
          INSERT INTO client_users (id, tenant_id, email, password_hash, first_name, last_name, role)
          SELECT x.id, x.tenant_id, x.email, x.password_hash, x.first_name, x.last_name, x.role
          FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, tenant_id uuid, email text, password_hash text, first_name text, last_name text, role text)
          WHERE EXISTS (SELECT FROM t)
          ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
            first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, role = EXCLUDED.role
        ), a AS (
          INSERT INTO human_agents (id, tenant_id, name, email, status, active_chats, max_chats, created_at, last_seen, idle_since, status_before_sweep)
          SELECT x.id, x.tenant_id, x.name, x.email, x.status, x.active_chats, x.max_chats, handoff_ts(x.created_ms),
                 handoff_ts(x.last_seen_ms), handoff_ts(x.idle_since_ms), x.status_before_sweep
          FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, tenant_id uuid, name text, email text, status text, active_chats integer,
               max_chats integer, created_ms bigint, last_seen_ms bigint, idle_since_ms bigint, status_before_sweep text)
          WHERE EXISTS (SELECT FROM t)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, status = EXCLUDED.status,
            active_chats = EXCLUDED.active_chats, max_chats = EXCLUDED.max_chats, last_seen = EXCLUDED.last_seen,
            idle_since = EXCLUDED.idle_since, status_before_sweep = EXCLUDED.status_before_sweep
        ), k AS (
          INSERT INTO widget_api_keys (id, tenant_id, key_prefix, key_hash, name, created_at, expires_at, last_used)
          SELECT x.id, x.tenant_id, x.key_prefix, x.key_hash, x.name, handoff_ts(x.created_ms), handoff_ts(x.expires_ms), handoff_ts(x.last_used_ms)
          FROM jsonb_to_recordset($11::jsonb) AS x(id uuid, tenant_id uuid, key_prefix text, key_hash text, name text, created_ms bigint,
               expires_ms bigint, last_used_ms bigint)
          WHERE EXISTS (SELECT FROM t)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, expires_at = EXCLUDED.expires_at, last_used = EXCLUDED.last_used
        ), h AS (
          INSERT INTO widget_handoffs (id, tenant_id, chat_id, status, requested_at, picked_up_at, resolved_at, assigned_agent_id, resolved_by,
                 user_email, user_message, conversation_history, last_user_message, metadata, end_deadline, end_message_id)
          SELECT x.id, x.tenant_id, x.chat_id, x.status, handoff_ts(x.requested_ms), handoff_ts(x.picked_up_ms), handoff_ts(x.resolved_ms),
                 x.assigned_agent_id, x.resolved_by, x.user_email, x.user_message, x.conversation_history, x.last_user_message, x.metadata,
                 handoff_ts(x.end_deadline_ms), x.end_message_id
          FROM jsonb_to_recordset($12::jsonb) AS x(id uuid, tenant_id uuid, chat_id text, status text, requested_ms bigint, picked_up_ms bigint,
               resolved_ms bigint, assigned_agent_id uuid, resolved_by text, user_email text, user_message text, conversation_history jsonb,
               last_user_message text, metadata jsonb, end_deadline_ms bigint, end_message_id uuid)
          WHERE EXISTS (SELECT FROM t)
          ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, picked_up_at = EXCLUDED.picked_up_at, resolved_at = EXCLUDED.resolved_at,
            assigned_agent_id = EXCLUDED.assigned_agent_id, resolved_by = EXCLUDED.resolved_by, user_email = EXCLUDED.user_email,
            user_message = EXCLUDED.user_message, conversation_history = EXCLUDED.conversation_history,
            last_user_message = EXCLUDED.last_user_message, metadata = EXCLUDED.metadata, end_deadline = EXCLUDED.end_deadline,
            end_message_id = EXCLUDED.end_message_id
        ), m AS (
          INSERT INTO widget_handoff_messages (id, handoff_id, sequence, sender_type, sender_id, content, timestamp)
          SELECT x.id, x.handoff_id, x.sequence, x.sender_type, x.sender_id, x.content, handoff_ts(x.timestamp_ms)
          FROM jsonb_to_recordset($13::jsonb) AS x(id uuid, handoff_id uuid, sequence integer, sender_type text, sender_id uuid, content text,
               timestamp_ms bigint)
          WHERE EXISTS (SELECT FROM t)
        ), c AS (
          INSERT INTO assistant_chats (chat_id, tenant_id, lines, wordy_messages)
          SELECT x.chat_id, x.tenant_id, x.lines, x.wordy_messages
          FROM jsonb_to_recordset($14::jsonb) AS x(chat_id text, tenant_id uuid, lines jsonb, wordy_messages integer)
          WHERE EXISTS (SELECT FROM t)
          ON CONFLICT (chat_id) DO UPDATE SET lines = EXCLUDED.lines, wordy_messages = EXCLUDED.wordy_messages
        ), e AS (
          INSERT INTO handoff_events (tenant_id, sequence, payload)
          SELECT $1::uuid, x.sequence, x.payload
          FROM jsonb_to_recordset($15::jsonb) AS x(sequence bigint, payload jsonb)
          WHERE EXISTS (SELECT FROM t)
        )
        SELECT pg_notify('\(Migrations.channel)', $1 || ' ' || ($2 + 1)::text || ' ' || $16::text || ' ' || $7::text || ' ' || $17) FROM t
        """

    /// The rows one command changed, ready to write.
    struct Changes {
        var users: [UserRow] = []
        var agents: [AgentRow] = []
        var keys: [APIKeyRow] = []
        var handoffs: [HandoffRow] = []
        var messages: [MessageRow] = []
        var chats: [AssistantChatRow] = []
        var events: [PublishedEvent] = []

        var isEmpty: Bool {
            users.isEmpty && agents.isEmpty && keys.isEmpty && handoffs.isEmpty && messages.isEmpty && chats.isEmpty && events.isEmpty
        }
    }

    struct StoredEvent: Encodable {
        var sequence: Int64
        var payload: EventRow
    }

    /// Writes `changes` if the tenant is still at `version`. Returns whether it was.
    static func write(
        _ changes: Changes, tenant: Tenant, publishedEvents: UInt64, latest: Timestamp, version: Int64, origin: String,
        on client: PostgresClient, logger: Logger
    ) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(tenant.id.description)
        binds.append(version)
        binds.append(tenant.name)
        binds.append(tenant.status.rawValue)
        binds.append(tenant.routing.rawValue)
        binds.append(RowJSON.encode(tenant))
        binds.append(Int64(publishedEvents))
        binds.append(latest.milliseconds)
        binds.append(RowJSON.encode(changes.users))
        binds.append(RowJSON.encode(changes.agents))
        binds.append(RowJSON.encode(changes.keys))
        binds.append(RowJSON.encode(changes.handoffs))
        binds.append(RowJSON.encode(changes.messages))
        binds.append(RowJSON.encode(changes.chats))
        binds.append(RowJSON.encode(changes.events.map { StoredEvent(sequence: Int64($0.sequence), payload: EventRow($0.event)) }))
        let first = changes.events.first.map { Int64($0.sequence) } ?? Int64(publishedEvents) + 1
        binds.append(first)
        binds.append(origin)
        let rows = try await client.query(PostgresQuery(unsafeSQL: write, binds: binds), logger: logger)
        var wrote = false
        for try await _ in rows { wrote = true }
        return wrote
    }

    /// The tenant's version now, or `nil` if it is not stored.
    static func version(of tenant: TenantID, on client: PostgresClient, logger: Logger) async throws -> Int64? {
        let rows = try await client.query("SELECT version FROM tenants WHERE id = \(tenant.description)::uuid", logger: logger)
        for try await version in rows.decode(Int64.self) { return version }
        return nil
    }

    /// Stores a new tenant (version 0). Returns `false` if its id is taken.
    static func insertTenant(_ tenant: Tenant, latest: Timestamp, on client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query(
            """
            INSERT INTO tenants (id, name, status, routing, settings, latest_at)
            VALUES (\(tenant.id.description)::uuid, \(tenant.name), \(tenant.status.rawValue), \(tenant.routing.rawValue),
                    \(RowJSON.encode(tenant))::jsonb, handoff_ts(\(latest.milliseconds)))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        return inserted
    }

    /// Stores a platform staff account (no tenant, so no tenant version to move).
    static func insertStaff(_ user: User, on client: PostgresClient, logger: Logger) async throws {
        let row = UserRow(user)
        try await client.query(
            """
            INSERT INTO client_users (id, tenant_id, email, password_hash, first_name, last_name, role)
            VALUES (\(row.id)::uuid, NULL, \(row.email), \(row.password_hash), \(row.first_name), \(row.last_name), \(row.role))
            """, logger: logger)
    }

    /// One account, of any tenant.
    static func account(_ id: UserID, on client: PostgresClient, logger: Logger) async throws -> User? {
        let rows = try await client.query(
            """
            SELECT to_jsonb(r)::text FROM (
              SELECT id::text, tenant_id::text, email, password_hash, first_name, last_name, role
              FROM client_users WHERE id = \(id.description)::uuid) r
            """, logger: logger)
        for try await json in rows.decode(String.self) { return try RowJSON.decode(UserRow.self, from: json, table: "client_users").user() }
        return nil
    }

    /// The platform's staff accounts.
    static func staff(on client: PostgresClient, logger: Logger) async throws -> [User] {
        let rows = try await client.query(
            """
            SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), '[]')::text FROM (
              SELECT id::text, tenant_id::text, email, password_hash, first_name, last_name, role
              FROM client_users WHERE tenant_id IS NULL) r
            """, logger: logger)
        for try await json in rows.decode(String.self) {
            return try RowJSON.decode([UserRow].self, from: json, table: "client_users").map { try $0.user() }
        }
        return []
    }

    /// Published events of a tenant after `after`, up to `through`, in order.
    static func events(tenant: TenantID, after: UInt64, through: UInt64, on client: PostgresClient, logger: Logger) async throws -> [PublishedEvent] {
        let rows = try await client.query(
            """
            SELECT sequence, payload::text FROM handoff_events
            WHERE tenant_id = \(tenant.description)::uuid AND sequence > \(Int64(after)) AND sequence <= \(Int64(through))
            ORDER BY sequence
            """, logger: logger)
        var out: [PublishedEvent] = []
        for try await (sequence, payload) in rows.decode((Int64, String).self) {
            let row = try RowJSON.decode(EventRow.self, from: payload, table: "handoff_events")
            out.append(PublishedEvent(sequence: UInt64(sequence), event: try row.event()))
        }
        return out
    }
}
