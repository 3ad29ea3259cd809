CREATE TABLE IF NOT EXISTS events (
    id bigint PRIMARY KEY,
    note text NOT NULL
);
