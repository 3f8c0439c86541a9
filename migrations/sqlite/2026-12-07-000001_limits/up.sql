-- What a streamer's broadcasts cost, and what an admin decides about who may stream.
-- A room's replays and clips older than this many days are removed (NULL: kept).
ALTER TABLE rooms ADD COLUMN retention_days INTEGER;
-- A recording's bytes on disk or in the bucket: its archive and its replay.
ALTER TABLE recordings ADD COLUMN stored_bytes BIGINT;
-- Settings an admin changes while the server runs (`who_may_stream`).
CREATE TABLE site_settings (
    name VARCHAR(64) PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
-- Invitations to register as a streamer: the code's hash, used once.
CREATE TABLE invites (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    code_hash VARCHAR(64) NOT NULL UNIQUE,
    created_by VARCHAR(32) NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by VARCHAR(32),
    used_at BIGINT
);
