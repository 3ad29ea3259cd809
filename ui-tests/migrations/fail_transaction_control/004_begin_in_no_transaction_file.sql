-- migrate:no-transaction
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_comments_id ON comments (id);
COMMIT;
