-- migrate:no-transaction
-- Built without blocking writes: each statement runs alone.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_id_email_idx ON users (id, email);
