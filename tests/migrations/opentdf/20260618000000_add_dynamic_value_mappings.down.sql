-- +goose StatementBegin

DROP INDEX IF EXISTS idx_dynamic_value_mappings_namespace_id;
DROP INDEX IF EXISTS idx_dynamic_value_mappings_scs_id;
DROP INDEX IF EXISTS idx_dynamic_value_mappings_definition_id;

DROP TABLE IF EXISTS dynamic_value_mapping_actions;

DROP TRIGGER IF EXISTS dynamic_value_mappings_updated_at ON dynamic_value_mappings;
DROP TABLE IF EXISTS dynamic_value_mappings;

-- +goose StatementEnd
