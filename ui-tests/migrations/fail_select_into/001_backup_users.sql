SELECT id, email
INTO users_backup
FROM users;
