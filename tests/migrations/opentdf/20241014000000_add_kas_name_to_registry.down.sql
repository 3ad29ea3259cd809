-- +goose StatementBegin

COMMENT ON COLUMN key_access_servers.name IS NULL;

ALTER TABLE IF EXISTS key_access_servers
  DROP COLUMN IF EXISTS name;

-- +goose StatementEnd
