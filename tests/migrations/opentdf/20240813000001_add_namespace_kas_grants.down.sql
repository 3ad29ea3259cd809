-- +goose StatementBegin

DROP TABLE IF EXISTS attribute_namespace_key_access_grants;

-- +goose StatementEnd
