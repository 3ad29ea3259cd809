-- users and their roles

CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);

CREATE TABLE IF NOT EXISTS roles (name text PRIMARY KEY);

INSERT INTO roles (name) VALUES ('admin'), ('member');
