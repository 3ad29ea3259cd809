ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE posts ADD CONSTRAINT posts_title_check CHECK (title <> '');
ALTER TABLE posts ALTER COLUMN title TYPE varchar(200);
ALTER TABLE posts ADD COLUMN IF NOT EXISTS uid uuid DEFAULT gen_random_uuid();
ALTER TABLE posts ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX IF NOT EXISTS idx_posts_user ON posts (user_id);
