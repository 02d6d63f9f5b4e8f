import Logging
import PostgresNIO

/// The schema, as numbered migrations applied in order at start.
///
/// Applying is idempotent and safe to race: every process takes the same transaction-scoped
/// advisory lock, reads `schema_migrations`, and applies only what is missing, each migration
/// in the transaction that records it. Migrations are never edited once shipped; a change is a
/// new migration.
///
/// Table and column names follow the reference platform's where it has them (`tenants`,
/// `client_users`, `human_agents`, `widget_api_keys`, `widget_handoffs`,
/// `widget_handoff_messages`), so its deployment guide's monitoring queries run unchanged.
/// Times are `timestamptz`; the rows carry them to and from Swift as whole milliseconds through
/// `handoff_ts(bigint)` and `handoff_ms(timestamptz)`.
///
/// The constraints are a second line of defence (the engine decided every rule before a row is
/// written): an agent's open chats stay within `0…max_chats`, a chat has at most one open
/// handoff, a handoff's messages have distinct sequence numbers.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        let sql: [String]
    }

    public static let all: [Migration] = [
        Migration(
            version: 1, name: "handoff schema",
            sql: [
                """
                CREATE FUNCTION handoff_ts(ms bigint) RETURNS timestamptz
                    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                    RETURN timestamptz 'epoch' + ms * interval '1 millisecond'
                """,
                """
                CREATE FUNCTION handoff_ms(ts timestamptz) RETURNS bigint
                    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                    RETURN round(extract(epoch FROM ts) * 1000)::bigint
                """,
                """
                CREATE TABLE tenants (
                    id uuid PRIMARY KEY,
                    name text NOT NULL,
                    status text NOT NULL CHECK (status IN ('active', 'suspended')),
                    routing text NOT NULL,
                    settings jsonb NOT NULL,
                    version bigint NOT NULL DEFAULT 0,
                    published_events bigint NOT NULL DEFAULT 0,
                    latest_at timestamptz NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE client_users (
                    id uuid PRIMARY KEY,
                    tenant_id uuid REFERENCES tenants (id),
                    email text NOT NULL UNIQUE,
                    password_hash text NOT NULL,
                    first_name text NOT NULL,
                    last_name text NOT NULL,
                    role text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX client_users_tenant ON client_users (tenant_id)",
                """
                CREATE TABLE human_agents (
                    id uuid PRIMARY KEY,
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    name text NOT NULL,
                    email text NOT NULL,
                    status text NOT NULL CHECK (status IN ('available', 'busy', 'offline')),
                    active_chats integer NOT NULL,
                    max_chats integer NOT NULL CHECK (max_chats >= 1),
                    created_at timestamptz NOT NULL,
                    last_seen timestamptz NOT NULL,
                    idle_since timestamptz NOT NULL,
                    status_before_sweep text,
                    creation_order bigserial NOT NULL,
                    CHECK (active_chats >= 0 AND active_chats <= max_chats),
                    UNIQUE (tenant_id, email)
                )
                """,
                """
                CREATE TABLE widget_api_keys (
                    id uuid PRIMARY KEY,
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    key_prefix text NOT NULL,
                    key_hash text NOT NULL,
                    name text NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz,
                    last_used timestamptz,
                    UNIQUE (key_prefix, key_hash)
                )
                """,
                "CREATE INDEX widget_api_keys_prefix ON widget_api_keys (key_prefix)",
                """
                CREATE TABLE widget_handoffs (
                    id uuid PRIMARY KEY,
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    chat_id text NOT NULL,
                    status text NOT NULL CHECK (status IN ('pending', 'active', 'resolved', 'abandoned', 'after-hours')),
                    requested_at timestamptz NOT NULL,
                    picked_up_at timestamptz,
                    resolved_at timestamptz,
                    assigned_agent_id uuid REFERENCES human_agents (id),
                    resolved_by text,
                    user_email text,
                    user_message text,
                    conversation_history jsonb NOT NULL,
                    last_user_message text,
                    metadata jsonb NOT NULL,
                    end_deadline timestamptz,
                    end_message_id uuid,
                    creation_order bigserial NOT NULL,
                    CHECK (status <> 'active' OR assigned_agent_id IS NOT NULL)
                )
                """,
                "CREATE INDEX widget_handoffs_queue ON widget_handoffs (tenant_id, status, requested_at)",
                "CREATE INDEX widget_handoffs_tenant_order ON widget_handoffs (tenant_id, creation_order)",
                """
                CREATE UNIQUE INDEX widget_handoffs_one_open_per_chat ON widget_handoffs (tenant_id, chat_id)
                    WHERE status IN ('pending', 'active')
                """,
                """
                CREATE TABLE widget_handoff_messages (
                    id uuid PRIMARY KEY,
                    handoff_id uuid NOT NULL REFERENCES widget_handoffs (id),
                    sequence integer NOT NULL,
                    sender_type text NOT NULL CHECK (sender_type IN ('user', 'agent', 'system')),
                    sender_id uuid,
                    content text NOT NULL,
                    timestamp timestamptz NOT NULL,
                    UNIQUE (handoff_id, sequence)
                )
                """,
                """
                CREATE TABLE assistant_chats (
                    chat_id text PRIMARY KEY,
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    lines jsonb NOT NULL,
                    wordy_messages integer NOT NULL,
                    creation_order bigserial NOT NULL
                )
                """,
                "CREATE INDEX assistant_chats_tenant ON assistant_chats (tenant_id, creation_order)",
                """
                CREATE TABLE handoff_events (
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    sequence bigint NOT NULL,
                    payload jsonb NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (tenant_id, sequence)
                )
                """,
                "CREATE INDEX handoff_events_age ON handoff_events (created_at)",
            ]),
    ]

    /// The channel every process LISTENs on; each committed command NOTIFYs it with
    /// `tenant version sequence` (the tenant's new version and last event number).
    static let channel = "handoff_changes"

    /// Applies what is missing, in order, under an advisory lock. Returns the versions applied now.
    @discardableResult
    public static func apply(on client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            // One number for this schema's migrations: concurrent starters wait here in turn.
            try await connection.query("SELECT pg_advisory_xact_lock(7243531902)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            var now: [Int] = []
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                now.append(migration.version)
            }
            return now
        }
    }
}
