CREATE TABLE IF NOT EXISTS posts (id bigint PRIMARY KEY, user_id bigint NOT NULL);
