CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA extensions;

CREATE TABLE IF NOT EXISTS accounts (
    id bigint PRIMARY KEY,
    token bytea NOT NULL DEFAULT extensions.gen_random_bytes(16),
    country text REFERENCES public.countries (code),
    plan text REFERENCES public.plans (name)
);

-- Copied from the single-tenant table of before.
INSERT INTO accounts (id, country)
SELECT id, country FROM public.accounts
ON CONFLICT DO NOTHING;
