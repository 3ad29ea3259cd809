CREATE TABLE IF NOT EXISTS events (
    id bigint PRIMARY KEY,
    note text NOT NULL
);

CREATE INDEX IF NOT EXISTS events_note_idx ON events (note, id);
