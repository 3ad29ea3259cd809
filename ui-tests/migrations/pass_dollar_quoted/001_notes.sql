BEGIN;

CREATE TABLE IF NOT EXISTS notes (
    id bigint PRIMARY KEY,
    body text NOT NULL,
    updated_at timestamptz
);

CREATE OR REPLACE FUNCTION notes_touch() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    -- a COMMIT; in a comment, and a ; in a string
    NEW.updated_at := now();
    RAISE NOTICE 'BEGIN; COMMIT;';
    RETURN NEW;
END;
$body$;

CREATE OR REPLACE PROCEDURE purge_notes(batch int)
LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE body = '' LIMIT batch);
        EXIT WHEN NOT FOUND;
        COMMIT;
    END LOOP;
END
$$;

DO $$
BEGIN
    CREATE TYPE note_kind AS ENUM ('plain', 'rich');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END
$$;

/* a block comment /* nested; */ still; a comment; COMMIT; */
COMMENT ON TABLE notes IS 'BEGIN; -- not a comment; COMMIT;';

UPDATE notes SET body = E'it\'s; fine' WHERE body = '';

COMMIT;
