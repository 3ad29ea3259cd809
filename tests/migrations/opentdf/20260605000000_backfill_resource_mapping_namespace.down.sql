-- +goose StatementBegin

-- No-op: a backfilled namespace_id cannot be reliably distinguished from one set
-- intentionally after this migration, so the backfill is not reverted. The
-- column itself is removed by the add-namespace migration's down step.
SELECT 1;

-- +goose StatementEnd
