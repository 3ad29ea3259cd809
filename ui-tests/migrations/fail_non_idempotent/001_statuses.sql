ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
CREATE TYPE job_status AS ENUM ('queued', 'running', 'done');
CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');
CREATE POLICY users_self ON users USING (id = current_setting('app.user_id')::bigint);
CREATE ROLE reporting;
ALTER TABLE jobs RENAME COLUMN status TO state;
ALTER TABLE accounts RENAME TO customers;
