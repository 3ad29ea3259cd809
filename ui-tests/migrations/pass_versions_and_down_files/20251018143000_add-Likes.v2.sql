CREATE TABLE IF NOT EXISTS likes (post_id bigint NOT NULL, user_id bigint NOT NULL);
