-- migrate:no-transaction
-- Each statement runs alone; a fault may land in any of them, or between two.
-- An expensive expression: the build takes about 0.1 s, long enough for a fault to land inside.
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_note_idx ON accounts (md5(repeat(note, 100)));
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS flagged boolean NOT NULL DEFAULT false;
UPDATE accounts SET flagged = true WHERE note LIKE '%!' AND NOT flagged;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_flagged_idx ON accounts (id) WHERE flagged;
