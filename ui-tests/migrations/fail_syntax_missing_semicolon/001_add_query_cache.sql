-- Migration: 001_add_query_cache
CREATE TABLE IF NOT EXISTS query_cache (
    query_hash varchar(64) PRIMARY KEY,
    result jsonb NOT NULL
)

CREATE INDEX IF NOT EXISTS idx_query_cache_result ON query_cache USING gin (result);
