-- Feedback on PAM's answers and client analytics events (issue 9).
CREATE TABLE feedback (
    id              TEXT COLLATE "C" PRIMARY KEY,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id      TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    conversation_id TEXT COLLATE "C" NOT NULL,
    rating          TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, message_id)
);

CREATE TABLE client_events (
    id         TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    props      JSON,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX client_events_created_usage ON client_events(created_at);
CREATE INDEX turns_created_usage ON turns(created_at);
CREATE INDEX messages_created_usage ON messages(created_at);
CREATE INDEX audit_log_time_usage ON audit_log(time);
