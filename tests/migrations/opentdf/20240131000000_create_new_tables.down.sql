-- +goose StatementBegin
DROP TABLE IF EXISTS subject_mappings;
DROP TABLE IF EXISTS resource_mappings;
DROP TABLE IF EXISTS attribute_value_key_access_grants;
DROP TABLE IF EXISTS attribute_definition_key_access_grants;
DROP TABLE IF EXISTS key_access_servers;
DROP TABLE IF EXISTS attribute_values;
DROP TABLE IF EXISTS attribute_definitions;
DROP TABLE IF EXISTS attribute_namespaces;

DROP TYPE attribute_definition_rule;
DROP TYPE subject_mappings_operator;
-- +goose StatementEnd