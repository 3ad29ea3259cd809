-- migrate:no-transaction
-- Long enough on a big table to be interrupted in the middle.
REINDEX INDEX CONCURRENTLY events_note_idx;
