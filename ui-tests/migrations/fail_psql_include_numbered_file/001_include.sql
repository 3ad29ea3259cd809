BEGIN;
\i schema/migrations/002_add_query_cache.sql
COMMIT;
