-- Clips: up to a minute of a broadcast, copied from its recording into an MP4 of its own. The
-- clip outlives the recording it was cut from (it is a copy), so recording_id is no reference.
CREATE TABLE clips (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL,
    recording_id VARCHAR(32) NOT NULL,
    created_by VARCHAR(32) NOT NULL,
    created_at BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    object_key VARCHAR(512),
    INDEX clips_room (room_id, created_at),
    FOREIGN KEY (room_id) REFERENCES rooms(id),
    FOREIGN KEY (created_by) REFERENCES users(id)
) CHARACTER SET utf8mb4;
