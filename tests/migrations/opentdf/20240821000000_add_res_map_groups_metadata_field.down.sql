-- +goose StatementBegin

ALTER TABLE IF EXISTS resource_mapping_groups
  DROP COLUMN IF EXISTS metadata;

-- +goose StatementEnd
