-- +goose StatementBegin

ALTER TABLE resource_mapping_groups DROP COLUMN created_at;
ALTER TABLE resource_mapping_groups DROP COLUMN updated_at;

DROP TRIGGER resource_mapping_groups_updated_at ON resource_mapping_groups;

-- +goose StatementEnd
