-- migrate:no-transaction
-- Each statement runs alone; a fault may land in any of them, or between two.
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_note_idx ON accounts (note);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS flagged boolean NOT NULL DEFAULT false;
UPDATE accounts SET flagged = true WHERE note LIKE '%!' AND NOT flagged;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_flagged_idx ON accounts (id) WHERE flagged;
