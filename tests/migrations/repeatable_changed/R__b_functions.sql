CREATE OR REPLACE FUNCTION total_balance() RETURNS bigint
    LANGUAGE sql STABLE AS 'SELECT coalesce(sum(balance), 0)::bigint + 1000 FROM account_notes';
GRANT EXECUTE ON FUNCTION total_balance() TO PUBLIC;
