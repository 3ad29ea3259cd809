-- +goose StatementBegin

COMMENT ON TABLE attribute_fqns IS NULL;
COMMENT ON COLUMN attribute_fqns.id IS NULL;
COMMENT ON COLUMN attribute_fqns.fqn IS NULL;
COMMENT ON COLUMN attribute_fqns.namespace_id IS NULL;
COMMENT ON COLUMN attribute_fqns.attribute_id IS NULL;
COMMENT ON COLUMN attribute_fqns.value_id IS NULL;

COMMENT ON TABLE attribute_namespaces IS NULL;
COMMENT ON COLUMN attribute_namespaces.id IS NULL;
COMMENT ON COLUMN attribute_namespaces.name IS NULL;
COMMENT ON COLUMN attribute_namespaces.metadata IS NULL;
COMMENT ON COLUMN attribute_namespaces.active IS NULL;

COMMENT ON TABLE attribute_definitions IS NULL;
COMMENT ON COLUMN attribute_definitions.id IS NULL;
COMMENT ON COLUMN attribute_definitions.namespace_id IS NULL;
COMMENT ON COLUMN attribute_definitions.name IS NULL;
COMMENT ON COLUMN attribute_definitions.rule IS NULL;
COMMENT ON COLUMN attribute_definitions.metadata IS NULL;
COMMENT ON COLUMN attribute_definitions.active IS NULL;
COMMENT ON COLUMN attribute_definitions.values_order IS NULL;

COMMENT ON TABLE attribute_values IS NULL;
COMMENT ON COLUMN attribute_values.id IS NULL;
COMMENT ON COLUMN attribute_values.attribute_definition_id IS NULL;
COMMENT ON COLUMN attribute_values.value IS NULL;
COMMENT ON COLUMN attribute_values.metadata IS NULL;
COMMENT ON COLUMN attribute_values.active IS NULL;

COMMENT ON TABLE key_access_servers IS NULL;
COMMENT ON COLUMN key_access_servers.id IS NULL;
COMMENT ON COLUMN key_access_servers.uri IS NULL;
COMMENT ON COLUMN key_access_servers.public_key IS NULL;
COMMENT ON COLUMN key_access_servers.metadata IS NULL;

COMMENT ON TABLE attribute_definition_key_access_grants IS NULL;
COMMENT ON COLUMN attribute_definition_key_access_grants.attribute_definition_id IS NULL;
COMMENT ON COLUMN attribute_definition_key_access_grants.key_access_server_id IS NULL;

COMMENT ON TABLE attribute_value_key_access_grants IS NULL;
COMMENT ON COLUMN attribute_value_key_access_grants.attribute_value_id IS NULL;
COMMENT ON COLUMN attribute_value_key_access_grants.key_access_server_id IS NULL;

COMMENT ON TABLE resource_mappings IS NULL;
COMMENT ON COLUMN resource_mappings.id IS NULL;
COMMENT ON COLUMN resource_mappings.attribute_value_id IS NULL;
COMMENT ON COLUMN resource_mappings.terms IS NULL;
COMMENT ON COLUMN resource_mappings.metadata IS NULL;

COMMENT ON TABLE subject_mappings IS NULL;
COMMENT ON COLUMN subject_mappings.id IS NULL;
COMMENT ON COLUMN subject_mappings.attribute_value_id IS NULL;
COMMENT ON COLUMN subject_mappings.subject_condition_set_id IS NULL;
COMMENT ON COLUMN subject_mappings.actions IS NULL;
COMMENT ON COLUMN subject_mappings.metadata IS NULL;

COMMENT ON TABLE subject_condition_set IS NULL;
COMMENT ON COLUMN subject_condition_set.id IS NULL;
COMMENT ON COLUMN subject_condition_set.condition IS NULL;
COMMENT ON COLUMN subject_condition_set.metadata IS NULL;

-- +goose StatementEnd