-- +goose StatementBegin

ALTER TABLE IF EXISTS resource_mapping_groups
  ADD COLUMN IF NOT EXISTS metadata JSONB;

-- +goose StatementEnd

