-- migrate:no-transaction
-- Changes the session, then fails.
SET work_mem = '64MB';
CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_id_body_idx ON public.notes (id, body);
SET ROLE migrate_session_role;
SELECT 1 / 0;
