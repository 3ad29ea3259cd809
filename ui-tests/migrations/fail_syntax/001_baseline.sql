-- Migration: 001_baseline
BEGIN;

CREATE TABLE IF NOT EXISTS users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NUL
);

COMMIT;
