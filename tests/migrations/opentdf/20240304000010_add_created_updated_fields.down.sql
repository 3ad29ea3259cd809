-- +goose StatementBegin

ALTER TABLE attribute_namespaces DROP COLUMN created_at;
ALTER TABLE attribute_namespaces DROP COLUMN updated_at;

ALTER TABLE attribute_definitions DROP COLUMN created_at;
ALTER TABLE attribute_definitions DROP COLUMN updated_at;

ALTER TABLE attribute_values DROP COLUMN created_at;
ALTER TABLE attribute_values DROP COLUMN updated_at;

ALTER TABLE key_access_servers DROP COLUMN created_at;
ALTER TABLE key_access_servers DROP COLUMN updated_at;

ALTER TABLE resource_mappings DROP COLUMN created_at;
ALTER TABLE resource_mappings DROP COLUMN updated_at;

ALTER TABLE subject_mappings DROP COLUMN created_at;
ALTER TABLE subject_mappings DROP COLUMN updated_at;

DROP TRIGGER attribute_namespaces_updated_at ON attribute_namespaces;
DROP TRIGGER attribute_definitions_updated_at ON attribute_definitions;
DROP TRIGGER attribute_values_updated_at ON attribute_values;
DROP TRIGGER key_access_servers_updated_at ON key_access_servers;
DROP TRIGGER resource_mappings_updated_at ON resource_mappings;
DROP TRIGGER subject_mappings_updated_at ON subject_mappings;

DROP FUNCTION update_updated_at();

-- +goose StatementEnd
