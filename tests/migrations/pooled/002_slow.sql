-- Slow on purpose: the other migrators arrive while it runs.
CREATE TABLE IF NOT EXISTS slow_done (id bigint PRIMARY KEY);
SELECT pg_sleep(1);
