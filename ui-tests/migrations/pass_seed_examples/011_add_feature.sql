-- Migration: 011_add_feature
-- Description: Add feature X
-- Date: 2025-10-21

BEGIN;

CREATE TABLE IF NOT EXISTS kg_api.feature_x (
    id SERIAL PRIMARY KEY,
    data JSONB NOT NULL
);

COMMIT;
