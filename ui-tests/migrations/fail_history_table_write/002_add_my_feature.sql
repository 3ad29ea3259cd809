-- Migration: 002_add_my_feature
-- Description: Brief explanation
-- ADR: Link to related ADR (if applicable)
-- Date: YYYY-MM-DD

BEGIN;

-- ============================================================================
-- Schema Changes
-- ============================================================================

CREATE TABLE IF NOT EXISTS kg_api.my_table (
    id SERIAL PRIMARY KEY,
    data JSONB NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_my_table_data
ON kg_api.my_table USING gin(data);

-- ============================================================================
-- Record Migration (REQUIRED)
-- ============================================================================

INSERT INTO public.schema_migrations (version, name)
VALUES (2, 'add_my_feature')  -- Update version and name!
ON CONFLICT (version) DO NOTHING;

COMMIT;
