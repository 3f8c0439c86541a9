ALTER TABLE rooms ADD COLUMN slow_mode_seconds INTEGER NOT NULL DEFAULT 0;

CREATE TABLE chat_messages (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL REFERENCES rooms(id),
    user_id VARCHAR(32) NOT NULL REFERENCES users(id),
    author_name VARCHAR(64) NOT NULL,
    author_role VARCHAR(16) NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX chat_messages_room_time ON chat_messages(room_id, sent_at);

CREATE TABLE room_moderators (
    room_id VARCHAR(32) NOT NULL REFERENCES rooms(id),
    user_id VARCHAR(32) NOT NULL REFERENCES users(id),
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE chat_bans (
    room_id VARCHAR(32) NOT NULL REFERENCES rooms(id),
    user_id VARCHAR(32) NOT NULL REFERENCES users(id),
    until_ms BIGINT,
    PRIMARY KEY (room_id, user_id)
);
