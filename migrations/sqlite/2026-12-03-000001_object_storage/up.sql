-- Recordings in object storage (storage.s3): the archive's key once it is stored there.
ALTER TABLE recordings ADD COLUMN object_key TEXT;
