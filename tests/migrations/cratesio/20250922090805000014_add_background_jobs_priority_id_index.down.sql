-- migrate:no-transaction
DROP INDEX CONCURRENTLY background_jobs_priority_id_index;
