-- migrate:allow(truncate) the table is rebuilt below
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
