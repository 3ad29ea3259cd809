-- +goose StatementBegin

DROP INDEX IF EXISTS idx_resource_mappings_namespace_id;

ALTER TABLE resource_mappings DROP COLUMN IF EXISTS namespace_id;

-- +goose StatementEnd
