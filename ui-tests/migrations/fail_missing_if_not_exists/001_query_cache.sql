CREATE SCHEMA kg_api;
CREATE EXTENSION pgcrypto;
CREATE SEQUENCE kg_api.ticket_seq;
CREATE TABLE kg_api.query_cache (
    query_hash varchar(64) PRIMARY KEY,
    result jsonb NOT NULL
);
CREATE INDEX idx_query_cache_result ON kg_api.query_cache USING gin (result);
ALTER TABLE kg_api.query_cache ADD COLUMN expires_at timestamptz;
CREATE MATERIALIZED VIEW kg_api.cache_sizes AS SELECT count(*) AS n FROM kg_api.query_cache;
