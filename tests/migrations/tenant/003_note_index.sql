-- migrate:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_note_idx ON accounts (note);
