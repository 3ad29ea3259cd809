SET search_path = app;

BEGIN;

CREATE TABLE IF NOT EXISTS posts (id bigint PRIMARY KEY, title text NOT NULL);

COMMIT;

CREATE INDEX IF NOT EXISTS idx_posts_title ON posts (title);
