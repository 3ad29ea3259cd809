CREATE TABLE IF NOT EXISTS posts (
    id bigint PRIMARY KEY,
    title text NOT NULL
    body text NOT NULL
);
