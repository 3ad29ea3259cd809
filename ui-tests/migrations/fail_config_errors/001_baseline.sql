-- Migration: 001_baseline
-- Description: the first tables
BEGIN;

CREATE TABLE IF NOT EXISTS users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL
);

COMMIT;
