ALTER TABLE recordings DROP COLUMN vod;
