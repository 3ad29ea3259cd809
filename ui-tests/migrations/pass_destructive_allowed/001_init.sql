CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text, email_address text);
CREATE TABLE IF NOT EXISTS query_cache (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (token text PRIMARY KEY);
