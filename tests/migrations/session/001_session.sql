-- migrate:no-transaction
-- Changes the runner's session in every way a no-transaction file can.
CREATE TABLE IF NOT EXISTS public.notes (id bigint PRIMARY KEY, body text);
SET statement_timeout = '1h';
CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body_idx ON public.notes (body);
SET search_path = pg_catalog;
SELECT set_config('app.flag', 'from 001', false);
SET ROLE migrate_session_role;
