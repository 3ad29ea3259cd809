-- +goose StatementBegin
DROP TRIGGER IF EXISTS before_insert_or_update_base_keys ON base_keys;
DROP FUNCTION IF EXISTS upsert_base_keys;

DROP TABLE IF EXISTS base_keys;
-- +goose StatementEnd