
ALTER TABLE IF EXISTS subject_mappings ADD COLUMN operator VARCHAR, ADD COLUMN subject_attribute VARCHAR, ADD COLUMN subject_attribute_values VARCHAR[];
--- populate the old columns with the new data
WITH subject_mappings_migration_data AS (
   SELECT
        (condition->'subject_sets'->0->'condition_groups'->0->'conditions'->0->'operator')::TEXT AS operator,
        (condition->'subject_sets'->0->'condition_groups'->0->'conditions'->0->'subject_external_field')::TEXT AS subject_attribute,
        (condition->'subject_sets'->0->'condition_groups'->0->'conditions'->0->'subject_external_values')::TEXT AS subject_attribute_values,
        id AS set_id
    FROM subject_condition_set
)
UPDATE subject_mappings
SET operator = subject_mappings_migration_data.operator,
    subject_attribute = subject_mappings_migration_data.subject_attribute,
    subject_attribute_values = ARRAY(
        SELECT subject_mappings_migration_data.subject_attribute_values
    )
FROM subject_mappings_migration_data
WHERE subject_mappings.subject_condition_set_id = subject_mappings_migration_data.set_id;

ALTER TABLE IF EXISTS subject_mappings DROP COLUMN subject_condition_set_id, DROP COLUMN actions;

DROP TRIGGER IF EXISTS subject_condition_set_updated_at ON subject_condition_set;
DROP TABLE IF EXISTS subject_condition_set;
CREATE TYPE subject_mappings_operator AS ENUM ('UNSPECIFIED', 'IN', 'NOT_IN');