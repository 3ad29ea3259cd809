DROP TABLE IF EXISTS posts;
DELETE FROM schema_migrations WHERE version = 2;
