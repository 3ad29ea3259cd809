CREATE TABLE IF NOT EXISTS audit_log (id bigint PRIMARY KEY, entry text NOT NULL);

-- migrate:allow(drop-tabel) old_log was copied into audit_log in release 3.1
DROP TABLE IF EXISTS old_log;
