INSERT INTO roles (name) VALUES ('admin');
