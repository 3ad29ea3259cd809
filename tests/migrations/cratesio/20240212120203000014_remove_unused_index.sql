-- migrate:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS index_follows_user_id;
