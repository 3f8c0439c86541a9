DROP TABLE chat_bans;
DROP TABLE room_moderators;
DROP TABLE chat_messages;
ALTER TABLE rooms DROP COLUMN slow_mode_seconds;
