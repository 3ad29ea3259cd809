CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA extensions;

CREATE TABLE IF NOT EXISTS accounts (
    id bigint PRIMARY KEY,
    token bytea NOT NULL DEFAULT extensions.gen_random_bytes(16),
    country text REFERENCES public.countries (code),
    created timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE OR REPLACE VIEW account_countries AS
SELECT a.id, c.name
FROM accounts a
JOIN public.countries c ON c.code = a.country;

-- A per-tenant sequence, found through the search_path like everything unqualified.
CREATE SEQUENCE IF NOT EXISTS invoice_numbers;
-- migrate:allow(escapes-tenant) the exchange rates are one table for every tenant, read-only
SELECT count(*) FROM rates.daily;
