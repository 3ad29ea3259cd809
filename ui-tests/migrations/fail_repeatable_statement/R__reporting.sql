-- A table in a repeatable migration: it would run again each time the file changes.
CREATE TABLE IF NOT EXISTS signups (day date, count bigint);
CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;
