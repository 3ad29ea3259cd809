INSERT INTO users (id, email) VALUES (2, 'root@example.com');
