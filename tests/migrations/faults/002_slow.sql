-- Slow-ish on purpose: a fault may land while it runs.
CREATE TABLE IF NOT EXISTS slow_done (id bigint PRIMARY KEY);
SELECT pg_sleep(0.2);
INSERT INTO slow_done (id) VALUES (1) ON CONFLICT DO NOTHING;
