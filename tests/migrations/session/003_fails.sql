-- migrate:no-transaction
-- Changes the session, then fails.
SET work_mem = '64MB';
SET ROLE migrate_session_role;
SELECT 1 / 0;
