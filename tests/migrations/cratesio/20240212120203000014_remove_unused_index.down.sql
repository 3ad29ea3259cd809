-- migrate:no-transaction
CREATE INDEX index_follows_user_id ON follows (user_id);
