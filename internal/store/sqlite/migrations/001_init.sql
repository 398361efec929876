-- PAM schema for SQLite. Times are fixed-width UTC text (text order is time
-- order), amounts are exact decimal text, ids are UUIDv7 text.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    settings      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX conversations_user ON conversations(user_id, id);

CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role              TEXT NOT NULL,
    content           TEXT NOT NULL,
    client_message_id TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    degraded          INTEGER NOT NULL DEFAULT 0,
    meta              TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_user ON messages(user_id);

CREATE TABLE turns (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id   TEXT NOT NULL DEFAULT '',
    client_message_id TEXT NOT NULL,
    user_message_id   TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    context           TEXT,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    reply_message_id  TEXT NOT NULL DEFAULT '',
    reply_seq         INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (user_id, client_message_id)
);
CREATE INDEX turns_status ON turns(status, id);

CREATE TABLE event_counters (
    user_id  TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    last_seq INTEGER NOT NULL
);

CREATE TABLE events (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);
CREATE INDEX events_created ON events(created_at);

CREATE TABLE event_acks (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

CREATE TABLE expenses (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    category    TEXT NOT NULL,
    merchant    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    date        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX expenses_user ON expenses(user_id, id);
CREATE INDEX expenses_user_date ON expenses(user_id, date);

CREATE TABLE budgets (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    period     TEXT NOT NULL,
    amount     TEXT NOT NULL,
    currency   TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, category, period)
);

CREATE TABLE vehicles (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    make       TEXT NOT NULL DEFAULT '',
    model      TEXT NOT NULL DEFAULT '',
    year       INTEGER NOT NULL DEFAULT 0,
    fuel_type  TEXT NOT NULL DEFAULT '',
    odometer   TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX vehicles_user ON vehicles(user_id, id);

CREATE TABLE fuel_entries (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vehicle_id     TEXT REFERENCES vehicles(id) ON DELETE SET NULL,
    date           TEXT NOT NULL,
    volume         TEXT NOT NULL,
    volume_unit    TEXT NOT NULL,
    price_per_unit TEXT NOT NULL,
    total          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    odometer       TEXT,
    odometer_unit  TEXT NOT NULL DEFAULT '',
    station        TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);
CREATE INDEX fuel_entries_user ON fuel_entries(user_id, id);
CREATE INDEX fuel_entries_user_date ON fuel_entries(user_id, date);

CREATE TABLE maintenance (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vehicle_id        TEXT REFERENCES vehicles(id) ON DELETE SET NULL,
    task              TEXT NOT NULL,
    date              TEXT NOT NULL,
    odometer          TEXT,
    cost              TEXT,
    cost_currency     TEXT,
    next_due_date     TEXT,
    next_due_odometer TEXT,
    notes             TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL
);
CREATE INDEX maintenance_user ON maintenance(user_id, date);

CREATE TABLE trips (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL DEFAULT '',
    origin             TEXT NOT NULL DEFAULT '',
    destination        TEXT NOT NULL DEFAULT '',
    stops              TEXT NOT NULL DEFAULT '[]',
    start_date         TEXT,
    end_date           TEXT,
    distance_km        TEXT NOT NULL DEFAULT '0',
    duration_min       INTEGER NOT NULL DEFAULT 0,
    fuel_cost          TEXT,
    fuel_cost_currency TEXT,
    budget             TEXT,
    budget_currency    TEXT,
    estimated          INTEGER NOT NULL DEFAULT 0,
    plan               TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX trips_user ON trips(user_id, id);

CREATE TABLE calendar_events (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    start_at    TEXT NOT NULL,
    end_at      TEXT NOT NULL,
    all_day     INTEGER NOT NULL DEFAULT 0,
    time_zone   TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX calendar_events_user_start ON calendar_events(user_id, start_at);

CREATE TABLE savings (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    baseline    TEXT NOT NULL,
    optimized   TEXT NOT NULL,
    saved       TEXT NOT NULL,
    currency    TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX savings_user ON savings(user_id, created_at);

CREATE TABLE favorites (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    lat        REAL NOT NULL,
    lng        REAL NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX favorites_user ON favorites(user_id, id);

CREATE TABLE knowledge (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    content     TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    search_text TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The audit log has no foreign key: it outlives deleted users.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    time        TEXT NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    args        TEXT,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    cost        TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE dead_letters (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
