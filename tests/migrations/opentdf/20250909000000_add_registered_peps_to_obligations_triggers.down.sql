-- +goose StatementBegin
-- Drop the client_id column
ALTER TABLE IF EXISTS obligation_triggers
DROP COLUMN IF EXISTS client_id;

-- +goose StatementEnd
