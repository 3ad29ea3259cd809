CREATE TABLE IF NOT EXISTS audit (id bigint PRIMARY KEY);
-- PostgreSQL reports no position for a NOT NULL violation.
INSERT INTO users (id, email) VALUES (1, NULL) ON CONFLICT DO NOTHING;
