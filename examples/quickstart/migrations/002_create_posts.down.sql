-- Reverts 002_create_posts.sql.
DROP TABLE IF EXISTS posts;
