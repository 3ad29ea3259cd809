-- migrate:no-transaction
-- Migration: 005_add_jobs_created_index ("Adding an Index")
-- Built CONCURRENTLY so writes to ingestion_jobs go on; such a statement cannot run in a
-- transaction block, so this file has no BEGIN/COMMIT and the header above.

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_jobs_created_at
ON kg_api.ingestion_jobs(created_at DESC);
