-- +goose StatementBegin

ALTER TABLE attribute_namespaces DROP COLUMN metadata;

-- +goose StatementEnd
