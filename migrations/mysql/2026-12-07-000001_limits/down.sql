DROP TABLE invites;
DROP TABLE site_settings;
ALTER TABLE recordings DROP COLUMN stored_bytes;
ALTER TABLE rooms DROP COLUMN retention_days;
