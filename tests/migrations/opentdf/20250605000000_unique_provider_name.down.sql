-- +goose StatementBegin
ALTER TABLE provider_config DROP CONSTRAINT IF EXISTS provider_config_provider_name_key;
-- +goose StatementEnd