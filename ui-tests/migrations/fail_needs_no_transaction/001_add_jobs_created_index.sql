-- Migration: 001_add_jobs_created_index
BEGIN;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_jobs_created_at
ON ingestion_jobs (created_at DESC);

COMMIT;
