-- The same migration, fixed.
BEGIN;

CREATE TABLE IF NOT EXISTS audit (id bigint PRIMARY KEY);

ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;

COMMIT;
