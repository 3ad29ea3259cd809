-- +goose StatementBegin

DROP TABLE IF EXISTS attribute_value_members;

ALTER TABLE attribute_values DROP COLUMN IF EXISTS members;

-- +goose StatementEnd

