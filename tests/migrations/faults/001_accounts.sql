CREATE TABLE IF NOT EXISTS accounts (
    id bigint PRIMARY KEY,
    note text NOT NULL
);

-- Enough rows for the index builds of 004 to take a moment.
INSERT INTO accounts (id, note)
SELECT i, md5(i::text) FROM generate_series(2, 5000) i
ON CONFLICT DO NOTHING;
INSERT INTO accounts (id, note) VALUES (1, 'a') ON CONFLICT DO NOTHING;
