-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
SELECT pg_sleep(3);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_id_email_idx ON users (id, email);
