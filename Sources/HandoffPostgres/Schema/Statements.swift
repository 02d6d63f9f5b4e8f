import HandoffEngine
import Logging
import PostgresNIO

/// The store's SQL: one statement to load a tenant, one to write the changes of a batch of
/// commands (of one or several tenants).
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
            guard var tenant = tenantRow.settings else { throw DamagedRow(table: "tenants", id: tenantRow.id, field: "settings") }
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

    /// The changes of one or several tenants as one statement, so one transaction that needs
    /// no lock held across round trips. Each tenant's row is compared and bumped from the
    /// version its changes were made at (`$1`, one record per tenant), and every other row is
    /// written only for the tenants whose row moved; the statement returns those tenants. A
    /// tenant missing from the answer was moved by another process first: nothing of it was
    /// written, and its caller reloads and runs its commands again. Each written tenant's
    /// notification is sent when the statement commits.
    ///
    /// Several tenants share a statement so that they share a commit: PostgreSQL serialises the
    /// commits of transactions that notify, so a commit per command would cap every process's
    /// writes at one commit's latency. The tenant rows are locked first, in id order (`l`), so
    /// two processes whose statements hold the same tenants in another order wait for each
    /// other instead of deadlocking.
    static let write = """
        WITH l AS MATERIALIZED (
          SELECT x.id FROM tenants AS x
          WHERE x.id IN (SELECT y.id FROM jsonb_to_recordset($1::jsonb) AS y(id uuid))
          ORDER BY x.id FOR NO KEY UPDATE
        ), t AS (
          UPDATE tenants AS x SET version = x.version + 1, name = y.name, status = y.status, routing = y.routing,
                 settings = coalesce(y.settings, x.settings),
                 published_events = y.published_events, latest_at = handoff_ts(y.latest_ms)
          FROM jsonb_to_recordset($1::jsonb) AS y(id uuid, version bigint, name text, status text, routing text, settings jsonb,
               published_events bigint, latest_ms bigint, first_event bigint)
          WHERE x.id = y.id AND x.version = y.version AND x.id IN (SELECT id FROM l)
          RETURNING x.id, x.version, y.first_event, y.published_events
        ), u AS (
          INSERT INTO client_users (id, tenant_id, email, password_hash, first_name, last_name, role)
          SELECT x.id, x.tenant_id, x.email, x.password_hash, x.first_name, x.last_name, x.role
          FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, tenant_id uuid, email text, password_hash text, first_name text, last_name text, role text)
          WHERE x.tenant_id IN (SELECT id FROM t)
          ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
            first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, role = EXCLUDED.role
        ), a AS (
          INSERT INTO human_agents (id, tenant_id, name, email, status, active_chats, max_chats, created_at, last_seen, idle_since, status_before_sweep)
          SELECT x.id, x.tenant_id, x.name, x.email, x.status, x.active_chats, x.max_chats, handoff_ts(x.created_ms),
                 handoff_ts(x.last_seen_ms), handoff_ts(x.idle_since_ms), x.status_before_sweep
          FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, tenant_id uuid, name text, email text, status text, active_chats integer,
               max_chats integer, created_ms bigint, last_seen_ms bigint, idle_since_ms bigint, status_before_sweep text)
          WHERE x.tenant_id IN (SELECT id FROM t)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, status = EXCLUDED.status,
            active_chats = EXCLUDED.active_chats, max_chats = EXCLUDED.max_chats, last_seen = EXCLUDED.last_seen,
            idle_since = EXCLUDED.idle_since, status_before_sweep = EXCLUDED.status_before_sweep
        ), k AS (
          INSERT INTO widget_api_keys (id, tenant_id, key_prefix, key_hash, name, created_at, expires_at, last_used)
          SELECT x.id, x.tenant_id, x.key_prefix, x.key_hash, x.name, handoff_ts(x.created_ms), handoff_ts(x.expires_ms), handoff_ts(x.last_used_ms)
          FROM jsonb_to_recordset($4::jsonb) AS x(id uuid, tenant_id uuid, key_prefix text, key_hash text, name text, created_ms bigint,
               expires_ms bigint, last_used_ms bigint)
          WHERE x.tenant_id IN (SELECT id FROM t)
          ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, expires_at = EXCLUDED.expires_at, last_used = EXCLUDED.last_used
        ), h AS (
          INSERT INTO widget_handoffs (id, tenant_id, chat_id, status, requested_at, picked_up_at, resolved_at, assigned_agent_id, resolved_by,
                 user_email, user_message, conversation_history, last_user_message, metadata, end_deadline, end_message_id)
          SELECT x.id, x.tenant_id, x.chat_id, x.status, handoff_ts(x.requested_ms), handoff_ts(x.picked_up_ms), handoff_ts(x.resolved_ms),
                 x.assigned_agent_id, x.resolved_by, x.user_email, x.user_message, x.conversation_history, x.last_user_message, x.metadata,
                 handoff_ts(x.end_deadline_ms), x.end_message_id
          FROM jsonb_to_recordset($5::jsonb) AS x(id uuid, tenant_id uuid, chat_id text, status text, requested_ms bigint, picked_up_ms bigint,
               resolved_ms bigint, assigned_agent_id uuid, resolved_by text, user_email text, user_message text, conversation_history jsonb,
               last_user_message text, metadata jsonb, end_deadline_ms bigint, end_message_id uuid)
          WHERE x.tenant_id IN (SELECT id FROM t)
          ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, picked_up_at = EXCLUDED.picked_up_at, resolved_at = EXCLUDED.resolved_at,
            assigned_agent_id = EXCLUDED.assigned_agent_id, resolved_by = EXCLUDED.resolved_by, user_email = EXCLUDED.user_email,
            user_message = EXCLUDED.user_message, conversation_history = EXCLUDED.conversation_history,
            last_user_message = EXCLUDED.last_user_message, metadata = EXCLUDED.metadata, end_deadline = EXCLUDED.end_deadline,
            end_message_id = EXCLUDED.end_message_id
        ), m AS (
          INSERT INTO widget_handoff_messages (id, handoff_id, sequence, sender_type, sender_id, content, timestamp)
          SELECT x.id, x.handoff_id, x.sequence, x.sender_type, x.sender_id, x.content, handoff_ts(x.timestamp_ms)
          FROM jsonb_to_recordset($6::jsonb) AS x(tenant_id uuid, id uuid, handoff_id uuid, sequence integer, sender_type text, sender_id uuid,
               content text, timestamp_ms bigint)
          WHERE x.tenant_id IN (SELECT id FROM t)
        ), c AS (
          INSERT INTO assistant_chats (chat_id, tenant_id, lines, wordy_messages)
          SELECT x.chat_id, x.tenant_id, x.lines, x.wordy_messages
          FROM jsonb_to_recordset($7::jsonb) AS x(chat_id text, tenant_id uuid, lines jsonb, wordy_messages integer)
          WHERE x.tenant_id IN (SELECT id FROM t)
          ON CONFLICT (chat_id) DO UPDATE SET lines = EXCLUDED.lines, wordy_messages = EXCLUDED.wordy_messages
        ), e AS (
          INSERT INTO handoff_events (tenant_id, sequence, payload)
          SELECT x.tenant_id, x.sequence, x.payload
          FROM jsonb_to_recordset($8::jsonb) AS x(tenant_id uuid, sequence bigint, payload jsonb)
          WHERE x.tenant_id IN (SELECT id FROM t)
        )
        SELECT t.id::text,
               pg_notify('\(Migrations.channel)', t.id::text || ' ' || t.version::text || ' ' || t.first_event::text || ' ' || t.published_events::text || ' ' || $9)
        FROM t
        """

    /// The rows one tenant's commands changed, ready to write.
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

    /// One tenant's share of a write: its changes, its row as they leave it, and the version
    /// they were made at.
    struct TenantWrite: Sendable {
        var tenant: Tenant
        /// Whether the commands changed the tenant itself; if not, its settings (the whole
        /// ``Tenant``, assistant script included) are not sent again.
        var tenantChanged: Bool
        var publishedEvents: UInt64
        var latest: Timestamp
        var version: Int64
        var changes: Changes
    }

    /// A row with the tenant whose write it belongs to, for tables without a tenant column.
    private struct Owned<Row: Encodable>: Encodable {
        var tenant: String
        var row: Row

        private enum Keys: String, CodingKey { case tenant_id }

        func encode(to encoder: any Encoder) throws {
            try row.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(tenant, forKey: .tenant_id)
        }
    }

    private struct StoredEvent: Encodable {
        var tenant_id: String
        var sequence: Int64
        var payload: EventRow
    }

    /// The prepared form of ``write``: parsed and planned once per connection.
    struct WriteStatement: PostgresPreparedStatement {
        static let name = "handoff_write_v1"
        static let sql = Statements.write
        typealias Row = String

        var bindings: PostgresBindings

        func makeBindings() throws -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> String {
            let (id, _) = try row.decode((String, String).self)
            return id
        }
    }

    /// Writes each tenant's changes if that tenant is still at the write's version, all in one
    /// statement. Returns the tenants that were (each tenant at most once in `writes`).
    static func write(_ writes: [TenantWrite], origin: String, on client: PostgresClient, logger: Logger) async throws -> Set<TenantID> {
        var tenants: [TenantRow] = []
        var users: [UserRow] = []
        var agents: [AgentRow] = []
        var keys: [APIKeyRow] = []
        var handoffs: [HandoffRow] = []
        var messages: [Owned<MessageRow>] = []
        var chats: [AssistantChatRow] = []
        var events: [StoredEvent] = []
        for write in writes.sorted(by: { $0.tenant.id.description < $1.tenant.id.description }) {
            let id = write.tenant.id.description
            let first = write.changes.events.first.map { Int64($0.sequence) } ?? Int64(write.publishedEvents) + 1
            tenants.append(
                TenantRow(
                    id: id, name: write.tenant.name, status: write.tenant.status.rawValue, routing: write.tenant.routing.rawValue,
                    settings: write.tenantChanged ? write.tenant : nil, version: write.version,
                    published_events: Int64(write.publishedEvents), latest_ms: write.latest.milliseconds, first_event: first))
            users += write.changes.users
            agents += write.changes.agents
            keys += write.changes.keys
            handoffs += write.changes.handoffs
            messages += write.changes.messages.map { Owned(tenant: id, row: $0) }
            chats += write.changes.chats
            events += write.changes.events.map { StoredEvent(tenant_id: id, sequence: Int64($0.sequence), payload: EventRow($0.event)) }
        }
        var binds = PostgresBindings()
        binds.append(RowJSON.encode(tenants))
        binds.append(RowJSON.encode(users))
        binds.append(RowJSON.encode(agents))
        binds.append(RowJSON.encode(keys))
        binds.append(RowJSON.encode(handoffs))
        binds.append(RowJSON.encode(messages))
        binds.append(RowJSON.encode(chats))
        binds.append(RowJSON.encode(events))
        binds.append(origin)
        var written: Set<TenantID> = []
        for try await id in try await client.execute(WriteStatement(bindings: binds), logger: logger) {
            if let tenant = TenantID(id) { written.insert(tenant) }
        }
        return written
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
