-- +goose StatementBegin

DROP INDEX IF EXISTS idx_attribute_fqns_fqn;

-- +goose StatementEnd