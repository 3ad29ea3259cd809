CREATE TABLE IF NOT EXISTS settings (key text PRIMARY KEY, value text NOT NULL);

INSERT INTO settings (key, value) VALUES ('theme', 'light)
ON CONFLICT (key) DO NOTHING;
