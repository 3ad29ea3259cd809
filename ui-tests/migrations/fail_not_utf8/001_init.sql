CREATE TABLE IF NOT EXISTS cafes (name text NOT NULL);
COMMENT ON TABLE cafes IS 'Cafés and their menus';
