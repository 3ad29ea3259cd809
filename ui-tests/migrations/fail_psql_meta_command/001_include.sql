\set ON_ERROR_STOP on
BEGIN;
\i create_users.sql
CREATE TABLE IF NOT EXISTS posts (id bigint PRIMARY KEY);
  \connect analytics
COMMIT;
