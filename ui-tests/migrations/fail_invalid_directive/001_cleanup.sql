-- migrate:allow-file truncate
BEGIN;

-- migrate:allow(drop-column)
ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;

-- migrate:allow(syntax) the parser is wrong
SELECT 1;

COMMIT;
