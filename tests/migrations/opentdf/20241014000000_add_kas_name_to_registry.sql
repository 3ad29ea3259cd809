-- +goose StatementBegin

ALTER TABLE IF EXISTS key_access_servers
  ADD COLUMN IF NOT EXISTS name VARCHAR UNIQUE;

COMMENT ON COLUMN key_access_servers.name IS 'Optional common name of the KAS';

-- +goose StatementEnd

