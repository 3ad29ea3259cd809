-- +goose StatementBegin

-- Backfill the owning namespace for existing grouped resource mappings created
-- before resource_mappings.namespace_id existed, so that namespace filtering
-- works on legacy data. A grouped mapping is owned by its group's namespace.
-- Ungrouped mappings have no group to derive ownership from and remain global
-- (namespace_id stays NULL). Idempotent: only fills rows that are still NULL.
UPDATE resource_mappings m
SET namespace_id = g.namespace_id
FROM resource_mapping_groups g
WHERE m.group_id = g.id
  AND m.namespace_id IS NULL;

-- +goose StatementEnd

