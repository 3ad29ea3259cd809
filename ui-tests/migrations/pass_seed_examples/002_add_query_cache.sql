-- Migration: 002_add_query_cache
-- Description: cache of query results ("Adding a Table")
-- No `INSERT INTO public.schema_migrations`: the runtime records the migration itself.

BEGIN;

CREATE TABLE IF NOT EXISTS kg_api.query_cache (
    query_hash VARCHAR(64) PRIMARY KEY,
    query_text TEXT NOT NULL,
    result JSONB NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_query_cache_expires
ON kg_api.query_cache(expires_at);

COMMIT;
