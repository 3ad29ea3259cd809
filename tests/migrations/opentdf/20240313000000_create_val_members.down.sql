
-- +goose StatementBegin
DROP TABLE IF EXISTS attribute_value_members;
-- +goose StatementEnd
