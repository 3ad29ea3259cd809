-- +goose StatementBegin
DROP INDEX IF EXISTS obligation_triggers_scoped_unique_idx;
DROP INDEX IF EXISTS obligation_triggers_unscoped_unique_idx;

ALTER TABLE IF EXISTS obligation_triggers
ADD CONSTRAINT obligation_triggers_obligation_value_id_action_id_attribute_key
UNIQUE (obligation_value_id, action_id, attribute_value_id);
-- +goose StatementEnd
