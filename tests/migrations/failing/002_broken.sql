-- A migration PostgreSQL rejects: the column's type does not exist.
BEGIN;

CREATE TABLE IF NOT EXISTS audit (id bigint PRIMARY KEY);

ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname nosuchtype;

COMMIT;
