-- migrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_id_email_idx;
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
