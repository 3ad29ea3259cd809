CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text NOT NULL);

-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);

-- migrate:allow(truncate) nothing below
