-- migrate:no-transaction
-- Long enough on a big table to be interrupted in the middle.
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_note_idx ON events (note, id);
