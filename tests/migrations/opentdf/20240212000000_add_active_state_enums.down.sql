-- +goose StatementBegin

-- If rolling back, all deactivations should be hard deletes.
DELETE FROM attribute_namespaces WHERE active = false;
DELETE FROM attribute_definitions WHERE active = false;
DELETE FROM attribute_values WHERE active = false;

DROP TRIGGER IF EXISTS namespaces_active_updated ON attribute_namespaces;
DROP TRIGGER IF EXISTS attribute_definitions_active_updated ON attribute_definitions;
DROP FUNCTION cascade_deactivation;

ALTER TABLE attribute_namespaces DROP COLUMN active;
ALTER TABLE attribute_definitions DROP COLUMN active;
ALTER TABLE attribute_values DROP COLUMN active;

-- +goose StatementEnd