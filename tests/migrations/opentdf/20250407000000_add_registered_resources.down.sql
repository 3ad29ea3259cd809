-- +goose StatementBegin

DROP TRIGGER IF EXISTS registered_resource_values_updated_at ON registered_resource_values;
DROP TRIGGER IF EXISTS registered_resources_updated_at ON registered_resources;

DROP TABLE IF EXISTS registered_resource_values;
DROP TABLE IF EXISTS registered_resources;

-- +goose StatementEnd
