-- Clips: up to a minute of a broadcast, copied from its recording into an MP4 of its own. The
-- clip outlives the recording it was cut from (it is a copy), so recording_id is no reference.
CREATE TABLE clips (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL REFERENCES rooms(id),
    recording_id VARCHAR(32) NOT NULL,
    created_by VARCHAR(32) NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    object_key VARCHAR(512)
);
CREATE INDEX clips_room ON clips(room_id, created_at);
