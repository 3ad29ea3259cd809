CREATE TABLE IF NOT EXISTS posts (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    title text NOT NULL
);

INSERT INTO users (id, email) VALUES (1, 'admin@example.com') ON CONFLICT DO NOTHING;
