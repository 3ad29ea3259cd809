-- The view reads the columns the versioned migrations made.
CREATE OR REPLACE VIEW account_notes AS
    SELECT id, note, balance FROM accounts;
COMMENT ON VIEW account_notes IS 'one row per account';
