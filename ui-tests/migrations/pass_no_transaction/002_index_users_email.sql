-- migrate:no-transaction
-- Builds the index without blocking writes to users.
DROP INDEX CONCURRENTLY IF EXISTS idx_users_email_old;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
VACUUM (ANALYZE) users;
