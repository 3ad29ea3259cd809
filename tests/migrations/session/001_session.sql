-- migrate:no-transaction
-- Changes the runner's session in every way a no-transaction file can.
SET statement_timeout = '1h';
SET search_path = pg_catalog;
SELECT set_config('app.flag', 'from 001', false);
SET ROLE migrate_session_role;
