SET search_path TO public;
CREATE TABLE IF NOT EXISTS audit (id bigint);
CREATE EXTENSION IF NOT EXISTS hstore;
