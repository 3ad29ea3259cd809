-- +goose StatementBegin
DROP TABLE IF EXISTS resources;
-- +goose StatementEnd
