-- migrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS index_users_canon_username
