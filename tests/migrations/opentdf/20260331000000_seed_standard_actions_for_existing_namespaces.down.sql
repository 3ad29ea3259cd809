-- +goose StatementBegin

-- No-op: namespace-scoped standard actions are required for namespace policy
-- evaluation and reference rewrites. Removing them can break existing namespaces.
SELECT 1;

-- +goose StatementEnd
