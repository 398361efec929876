-- Messages are always read per user and conversation; an index on both keeps
-- counts and recent-history reads independent of how much else the user wrote.
CREATE INDEX IF NOT EXISTS messages_user_conversation ON messages(user_id, conversation_id, id);
