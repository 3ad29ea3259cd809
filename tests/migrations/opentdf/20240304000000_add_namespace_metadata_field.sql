-- +goose StatementBegin

ALTER TABLE attribute_namespaces ADD COLUMN metadata JSONB;

-- +goose StatementEnd

