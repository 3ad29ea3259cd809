-- +goose StatementBegin
DROP VIEW IF EXISTS active_value_public_keys_view;

DROP VIEW IF EXISTS active_definition_public_keys_view;

DROP VIEW IF EXISTS active_namespace_public_keys_view;

DROP TABLE IF EXISTS attribute_value_public_key_map;

DROP TABLE IF EXISTS attribute_definition_public_key_map;

DROP TABLE IF EXISTS attribute_namespace_public_key_map;

DROP TABLE IF EXISTS key_access_server_keys;

DROP TABLE IF EXISTS sym_key;

DROP TABLE IF EXISTS asym_key;

DROP TABLE IF EXISTS provider_config;

ALTER TABLE key_access_servers
DROP COLUMN IF EXISTS source_type;

-- +goose StatementEnd