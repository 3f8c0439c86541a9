ALTER TABLE rooms ADD COLUMN slow_mode_seconds INTEGER NOT NULL DEFAULT 0;

CREATE TABLE chat_messages (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL,
    user_id VARCHAR(32) NOT NULL,
    author_name VARCHAR(64) NOT NULL,
    author_role VARCHAR(16) NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    INDEX chat_messages_room_time (room_id, sent_at),
    FOREIGN KEY (room_id) REFERENCES rooms(id),
    FOREIGN KEY (user_id) REFERENCES users(id)
) CHARACTER SET utf8mb4;

CREATE TABLE room_moderators (
    room_id VARCHAR(32) NOT NULL,
    user_id VARCHAR(32) NOT NULL,
    PRIMARY KEY (room_id, user_id),
    FOREIGN KEY (room_id) REFERENCES rooms(id),
    FOREIGN KEY (user_id) REFERENCES users(id)
) CHARACTER SET utf8mb4;

CREATE TABLE chat_bans (
    room_id VARCHAR(32) NOT NULL,
    user_id VARCHAR(32) NOT NULL,
    until_ms BIGINT,
    PRIMARY KEY (room_id, user_id),
    FOREIGN KEY (room_id) REFERENCES rooms(id),
    FOREIGN KEY (user_id) REFERENCES users(id)
) CHARACTER SET utf8mb4;
