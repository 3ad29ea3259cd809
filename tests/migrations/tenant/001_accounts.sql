CREATE TABLE IF NOT EXISTS accounts (
    id bigint PRIMARY KEY,
    note text NOT NULL
);

INSERT INTO accounts (id, note) VALUES (1, 'a') ON CONFLICT DO NOTHING;
