-- Needs ACCESS EXCLUSIVE on users: while it waits for that lock, every later query on users
-- queues behind it.
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;
