BEGIN;

ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS users_self ON users;
CREATE POLICY users_self ON users USING (id = current_setting('app.user_id')::bigint);

CREATE OR REPLACE FUNCTION users_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS users_touch ON users;
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_touch();

DO $$
BEGIN
    CREATE TYPE user_status AS ENUM ('active', 'disabled');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END
$$;

INSERT INTO roles (name) VALUES ('admin') ON CONFLICT (name) DO NOTHING;
INSERT INTO roles (name)
SELECT 'member' WHERE NOT EXISTS (SELECT 1 FROM roles WHERE name = 'member');

CREATE TABLE IF NOT EXISTS users_backup AS SELECT * FROM users;

COMMIT;
