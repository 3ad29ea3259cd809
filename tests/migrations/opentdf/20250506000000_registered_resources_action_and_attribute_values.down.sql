-- +goose StatementBegin

DROP TRIGGER IF EXISTS registered_resource_action_attribute_values_updated_at ON registered_resource_action_attribute_values;

DROP TABLE IF EXISTS registered_resource_action_attribute_values;

-- +goose StatementEnd
