CREATE TABLE IF NOT EXISTS posts (
    id bigint PRIMARY KEY,
    author_id bigint NOT NULL
);

CREATE INDEX ON posts (author_id);
