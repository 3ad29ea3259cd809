-- +goose StatementBegin

DROP INDEX IF EXISTS idx_subject_mappings_namespace_id;
ALTER TABLE subject_mappings DROP COLUMN IF EXISTS namespace_id;

DROP INDEX IF EXISTS idx_subject_condition_set_namespace_id;
ALTER TABLE subject_condition_set DROP COLUMN IF EXISTS namespace_id;

-- +goose StatementEnd
