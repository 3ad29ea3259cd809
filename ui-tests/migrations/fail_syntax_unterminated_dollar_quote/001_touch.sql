CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, updated_at timestamptz);

CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$;
