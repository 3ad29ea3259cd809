-- Migration: 009_add_email_address ("Renaming", phase 1: add the new column, copy the data)
BEGIN;
ALTER TABLE kg_auth.users ADD COLUMN IF NOT EXISTS email_address TEXT;
UPDATE kg_auth.users SET email_address = email WHERE email_address IS NULL;
COMMIT;
