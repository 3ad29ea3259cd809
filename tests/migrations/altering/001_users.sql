-- Migration: 001_users
-- Description: the users table, seed style (outer BEGIN/COMMIT)
BEGIN;

CREATE TABLE IF NOT EXISTS users (
    id bigint PRIMARY KEY,
    email text NOT NULL
);

COMMIT;
