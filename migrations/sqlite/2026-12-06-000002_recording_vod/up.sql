-- A recording kept as HLS VOD (its live segments, playlists, timeline preview and poster).
ALTER TABLE recordings ADD COLUMN vod BOOLEAN NOT NULL DEFAULT 0;
