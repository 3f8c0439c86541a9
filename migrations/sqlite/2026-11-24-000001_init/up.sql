CREATE TABLE users (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(16) NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE presets (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    name VARCHAR(64) NOT NULL UNIQUE,
    renditions TEXT NOT NULL,
    passthrough BOOLEAN NOT NULL,
    segment_seconds INTEGER NOT NULL,
    window_segments INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE rooms (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    owner_id VARCHAR(32) NOT NULL REFERENCES users(id),
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    preset_id VARCHAR(32) NOT NULL REFERENCES presets(id),
    chat_enabled BOOLEAN NOT NULL,
    stream_key_hash VARCHAR(64) NOT NULL UNIQUE,
    live_stream_id VARCHAR(64),
    live_since BIGINT,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX rooms_owner ON rooms(owner_id);

CREATE TABLE recordings (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL REFERENCES rooms(id),
    stream_id VARCHAR(64) NOT NULL UNIQUE,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    duration_ms BIGINT,
    bytes BIGINT,
    status VARCHAR(16) NOT NULL,
    archive_path TEXT NOT NULL,
    end_reason TEXT
);
CREATE INDEX recordings_room ON recordings(room_id);
