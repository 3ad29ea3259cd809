DROP INDEX idx_users_email;
DROP VIEW active_users;
DROP FUNCTION touch_updated_at();
DROP SEQUENCE ticket_seq;
DROP TRIGGER users_touch ON users;
ALTER TABLE users DROP CONSTRAINT users_email_key;
