-- Migration: 010_remove_old_email ("Renaming", phase 3: drop the old column)
BEGIN;
-- migrate:allow(drop-column) the application reads email_address only since release 2.4
ALTER TABLE kg_auth.users DROP COLUMN IF EXISTS email;
COMMIT;
