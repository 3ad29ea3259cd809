-- migrate:allow-file(truncate) the cache holds nothing that cannot be rebuilt
BEGIN;

-- migrate:allow(drop-table) legacy_sessions was replaced by sessions in 001; nothing reads it
DROP TABLE IF EXISTS legacy_sessions;

-- The application reads email_address since release 2.4.
-- migrate:allow(drop-column) the values were copied to email_address in 001
ALTER TABLE users DROP COLUMN IF EXISTS email;

-- migrate:allow(drop-schema, cascade) staging is rebuilt by the ETL job every night
DROP SCHEMA IF EXISTS staging CASCADE;

TRUNCATE query_cache;

-- migrate:allow(delete-without-where) every session must log in again after this release
DELETE FROM refresh_tokens;

COMMIT;
