-- +goose StatementBegin
DROP INDEX key_access_server_keys_legacy_true_idx;
ALTER TABLE key_access_server_keys DROP COLUMN legacy;
-- +goose StatementEnd
