CREATE TABLE IF NOT EXISTS accounts (
    id bigint PRIMARY KEY,
    note text NOT NULL
);
