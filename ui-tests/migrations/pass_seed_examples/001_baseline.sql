-- Migration: 001_baseline
-- Description: the schemas and tables the later examples build on
-- Date: 2025-10-20

BEGIN;

CREATE SCHEMA IF NOT EXISTS kg_api;
CREATE SCHEMA IF NOT EXISTS kg_auth;

CREATE TABLE IF NOT EXISTS kg_auth.users (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS kg_api.ingestion_jobs (
    id SERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS kg_api.jobs (
    id SERIAL PRIMARY KEY,
    status TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS kg_api.system_config (
    key TEXT PRIMARY KEY,
    value JSONB NOT NULL
);

CREATE TABLE IF NOT EXISTS kg_api.concepts (
    id SERIAL PRIMARY KEY,
    old_field TEXT,
    new_field TEXT
);

COMMIT;
