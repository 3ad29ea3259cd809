CREATE TABLE IF NOT EXISTS comments (id bigint PRIMARY KEY, post_id bigint NOT NULL);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_comments_post ON comments (post_id);
