-- PAM schema for PostgreSQL. Ids are UUIDv7 text in the C collation (byte
-- order is creation order), amounts NUMERIC, times TIMESTAMPTZ.
CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    settings      TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
    hash       TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE conversations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX conversations_user ON conversations(user_id, id);

CREATE TABLE messages (
    id                TEXT COLLATE "C" PRIMARY KEY,
    conversation_id   TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id           TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role              TEXT NOT NULL,
    content           TEXT NOT NULL,
    client_message_id TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    degraded          BOOLEAN NOT NULL DEFAULT FALSE,
    meta              JSON,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_user ON messages(user_id);

CREATE TABLE turns (
    id                TEXT COLLATE "C" PRIMARY KEY,
    user_id           TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id   TEXT NOT NULL DEFAULT '',
    client_message_id TEXT NOT NULL,
    user_message_id   TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    context           JSON,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    reply_message_id  TEXT NOT NULL DEFAULT '',
    reply_seq         BIGINT NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, client_message_id)
);
CREATE INDEX turns_status ON turns(status, id);

CREATE TABLE event_counters (
    user_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_seq BIGINT NOT NULL
);

CREATE TABLE events (
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, seq)
);
CREATE INDEX events_created ON events(created_at);

CREATE TABLE event_acks (
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

CREATE TABLE expenses (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount      NUMERIC(12,2) NOT NULL,
    currency    TEXT NOT NULL,
    category    TEXT NOT NULL,
    merchant    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    date        DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX expenses_user ON expenses(user_id, id);
CREATE INDEX expenses_user_date ON expenses(user_id, date);

CREATE TABLE budgets (
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    period     TEXT NOT NULL,
    amount     NUMERIC(12,2) NOT NULL,
    currency   TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, category, period)
);

CREATE TABLE vehicles (
    id         TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    make       TEXT NOT NULL DEFAULT '',
    model      TEXT NOT NULL DEFAULT '',
    year       INTEGER NOT NULL DEFAULT 0,
    fuel_type  TEXT NOT NULL DEFAULT '',
    odometer   NUMERIC,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX vehicles_user ON vehicles(user_id, id);

CREATE TABLE fuel_entries (
    id             TEXT COLLATE "C" PRIMARY KEY,
    user_id        TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vehicle_id     TEXT COLLATE "C" REFERENCES vehicles(id) ON DELETE SET NULL,
    date           DATE NOT NULL,
    volume         NUMERIC NOT NULL,
    volume_unit    TEXT NOT NULL,
    price_per_unit NUMERIC(12,3) NOT NULL,
    total          NUMERIC(12,2) NOT NULL,
    currency       TEXT NOT NULL,
    odometer       NUMERIC,
    odometer_unit  TEXT NOT NULL DEFAULT '',
    station        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX fuel_entries_user ON fuel_entries(user_id, id);
CREATE INDEX fuel_entries_user_date ON fuel_entries(user_id, date);

CREATE TABLE maintenance (
    id                TEXT COLLATE "C" PRIMARY KEY,
    user_id           TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vehicle_id        TEXT COLLATE "C" REFERENCES vehicles(id) ON DELETE SET NULL,
    task              TEXT NOT NULL,
    date              DATE NOT NULL,
    odometer          NUMERIC,
    cost              NUMERIC(12,2),
    cost_currency     TEXT,
    next_due_date     DATE,
    next_due_odometer NUMERIC,
    notes             TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX maintenance_user ON maintenance(user_id, date);

CREATE TABLE trips (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    user_id            TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL DEFAULT '',
    origin             TEXT NOT NULL DEFAULT '',
    destination        TEXT NOT NULL DEFAULT '',
    stops              TEXT NOT NULL DEFAULT '[]',
    start_date         DATE,
    end_date           DATE,
    distance_km        NUMERIC NOT NULL DEFAULT 0,
    duration_min       INTEGER NOT NULL DEFAULT 0,
    fuel_cost          NUMERIC(12,2),
    fuel_cost_currency TEXT,
    budget             NUMERIC(12,2),
    budget_currency    TEXT,
    estimated          BOOLEAN NOT NULL DEFAULT FALSE,
    plan               JSON,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX trips_user ON trips(user_id, id);

CREATE TABLE calendar_events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    start_at    TIMESTAMPTZ NOT NULL,
    end_at      TIMESTAMPTZ NOT NULL,
    all_day     BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX calendar_events_user_start ON calendar_events(user_id, start_at);

CREATE TABLE savings (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    baseline    NUMERIC(12,2) NOT NULL,
    optimized   NUMERIC(12,2) NOT NULL,
    saved       NUMERIC(12,2) NOT NULL,
    currency    TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX savings_user ON savings(user_id, created_at);

CREATE TABLE favorites (
    id         TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    lat        DOUBLE PRECISION NOT NULL,
    lng        DOUBLE PRECISION NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX favorites_user ON favorites(user_id, id);

CREATE TABLE knowledge (
    id          TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT NOT NULL,
    content     TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    search_text TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The audit log has no foreign key: it outlives deleted users.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    time        TIMESTAMPTZ NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    args        JSON,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL DEFAULT 0,
    cost        TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE dead_letters (
    id         TEXT COLLATE "C" PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
