-- +goose StatementBegin

DROP INDEX IF EXISTS idx_registered_resources_namespace;
DROP INDEX IF EXISTS registered_resources_name_unique;
DROP INDEX IF EXISTS registered_resources_namespace_name_unique;

ALTER TABLE registered_resources ADD CONSTRAINT registered_resources_name_key UNIQUE (name);

ALTER TABLE registered_resources DROP COLUMN IF EXISTS namespace_id;

-- +goose StatementEnd
