-- The result of each data-changing tool call of a turn, written in the same
-- transaction as the change: a turn that runs again (after a crash, a retry,
-- or a database outage before its answer was stored) replays these instead
-- of changing the data twice. Completing the turn removes them.
CREATE TABLE tool_results (
    turn_id    TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    call_key   TEXT NOT NULL,
    result     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (turn_id, call_key)
);

-- Actions waiting for the user's "yes" (deletes, acting for another user):
-- kept here so the confirmation works on any instance and after a restart.
CREATE TABLE pending_actions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tool       TEXT NOT NULL,
    question   TEXT NOT NULL,
    call       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX pending_actions_user ON pending_actions(user_id, created_at);
