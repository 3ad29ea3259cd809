-- +goose StatementBegin
ALTER TABLE attribute_definitions
    DROP COLUMN IF EXISTS allow_traversal;
-- +goose StatementEnd
