-- Restreaming: where each room's broadcasts are also pushed. The destination's stream key is
-- sealed with the server's restream secret (never stored in clear); the hint is what the API
-- shows of it.
CREATE TABLE restream_destinations (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    room_id VARCHAR(32) NOT NULL,
    name VARCHAR(64) NOT NULL,
    url VARCHAR(1024) NOT NULL,
    stream_key_sealed TEXT NOT NULL,
    stream_key_hint VARCHAR(16) NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    INDEX restream_destinations_room (room_id),
    FOREIGN KEY (room_id) REFERENCES rooms(id)
) CHARACTER SET utf8mb4;
