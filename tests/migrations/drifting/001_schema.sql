-- Every kind of object drift compares.
DO $$
BEGIN
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
    CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

CREATE SEQUENCE IF NOT EXISTS ticket_seq START 100 INCREMENT 5;

CREATE TABLE IF NOT EXISTS users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address email NOT NULL,
    name text COLLATE "C" NOT NULL DEFAULT '',
    mood mood NOT NULL DEFAULT 'ok',
    lower_name text GENERATED ALWAYS AS (lower(name)) STORED,
    ticket bigint NOT NULL DEFAULT nextval('ticket_seq'),
    CONSTRAINT users_name_length CHECK (length(name) < 200)
);

CREATE INDEX IF NOT EXISTS users_lower_name_idx ON users (lower_name);

CREATE UNIQUE INDEX IF NOT EXISTS users_address_idx ON users (address) WHERE mood <> 'sad';

ALTER TABLE users ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS users_self ON users;
CREATE POLICY users_self ON users FOR SELECT TO PUBLIC USING (name = current_user);

CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := trim(NEW.name);
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER users_touch BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch();

CREATE OR REPLACE VIEW happy_users AS SELECT id, name FROM users WHERE mood = 'happy';

CREATE MATERIALIZED VIEW IF NOT EXISTS user_counts AS
    SELECT mood, count(*) AS n FROM users GROUP BY mood;

CREATE OR REPLACE PROCEDURE rename_user(user_id bigint, new_name text) LANGUAGE sql AS $$
    UPDATE users SET name = new_name WHERE id = user_id;
$$;
