ALTER TABLE recordings DROP COLUMN object_key;
