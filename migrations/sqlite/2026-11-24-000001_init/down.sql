DROP TABLE recordings;
DROP TABLE rooms;
DROP TABLE presets;
DROP TABLE users;
