CREATE TABLE users (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
) CHARACTER SET utf8mb4;

CREATE TABLE presets (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    name VARCHAR(64) NOT NULL UNIQUE,
    renditions TEXT NOT NULL,
    passthrough BOOLEAN NOT NULL,
    segment_seconds INTEGER NOT NULL,
    window_segments INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
) CHARACTER SET utf8mb4;

CREATE TABLE rooms (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    owner_id VARCHAR(32) NOT NULL,
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    preset_id VARCHAR(32) NOT NULL,
    chat_enabled BOOLEAN NOT NULL,
    stream_key_hash VARCHAR(64) NOT NULL UNIQUE,
    live_stream_id VARCHAR(64),
    live_since BIGINT,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT,
    INDEX rooms_owner (owner_id),
    FOREIGN KEY (owner_id) REFERENCES users(id),
    FOREIGN KEY (preset_id) REFERENCES presets(id)
) CHARACTER SET utf8mb4;

CREATE TABLE recordings (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL,
    stream_id VARCHAR(64) NOT NULL UNIQUE,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    duration_ms BIGINT,
    bytes BIGINT,
    status VARCHAR(16) NOT NULL,
    archive_path TEXT NOT NULL,
    end_reason TEXT,
    INDEX recordings_room (room_id),
    FOREIGN KEY (room_id) REFERENCES rooms(id)
) CHARACTER SET utf8mb4;
