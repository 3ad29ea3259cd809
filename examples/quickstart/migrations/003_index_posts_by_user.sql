-- migrate:no-transaction
-- CREATE INDEX CONCURRENTLY does not block writes, and PostgreSQL refuses it inside a
-- transaction: the header above makes the runner send it alone, outside one.
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_user_id_idx ON posts (user_id);
