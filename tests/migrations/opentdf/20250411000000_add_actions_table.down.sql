-- +goose StatementBegin
-- 1. Add a temporary JSONB column to subject_mappings
ALTER TABLE subject_mappings ADD COLUMN actions JSONB DEFAULT '[]'::JSONB;

-- 2. Convert the intermediary table relationships back to JSONB format
UPDATE subject_mappings sm
SET actions = (
    SELECT jsonb_agg(
        CASE
            WHEN a.name = 'create' THEN jsonb_build_object('standard', 'STANDARD_ACTION_TRANSMIT')
            WHEN a.name = 'read' THEN jsonb_build_object('standard', 'STANDARD_ACTION_DECRYPT')
            WHEN a.is_standard = TRUE THEN jsonb_build_object('standard', a.name)
            ELSE jsonb_build_object('custom', a.name)
        END
    )
    FROM subject_mapping_actions sma
    JOIN actions a ON a.id = sma.action_id
    WHERE sma.subject_mapping_id = sm.id
);

-- 3. Set empty arrays to NULL to match original schema behavior (if needed)
UPDATE subject_mappings
SET actions = NULL
WHERE actions = '[]'::JSONB;

-- 4. Verify the migration worked correctly
DO $$
DECLARE
    expected_count BIGINT;
    actual_count BIGINT;
    subject_mappings_with_actions BIGINT;
    subject_mappings_with_relations BIGINT;
BEGIN
    -- Count total elements that should be in the JSONB arrays
    SELECT COUNT(*) INTO expected_count
    FROM subject_mapping_actions;
    
    -- Count total elements that are in the JSONB arrays
    SELECT SUM(jsonb_array_length(actions)) INTO actual_count
    FROM subject_mappings
    WHERE actions IS NOT NULL;
    
    -- Count subject_mappings that have actions
    SELECT COUNT(*) INTO subject_mappings_with_actions
    FROM subject_mappings
    WHERE actions IS NOT NULL;
    
    -- Count subject_mappings that had relationships
    SELECT COUNT(DISTINCT subject_mapping_id) INTO subject_mappings_with_relations
    FROM subject_mapping_actions;
    
    IF expected_count != actual_count THEN
        RAISE EXCEPTION 'Migration verification failed: Expected % elements in JSONB arrays, found %', 
                        expected_count, actual_count;
    END IF;
    
    IF subject_mappings_with_actions != subject_mappings_with_relations THEN
        RAISE EXCEPTION 'Migration verification failed: Expected % subject_mappings with actions, found %', 
                        subject_mappings_with_relations, subject_mappings_with_actions;
    END IF;
END $$;

-- 5. Drop the intermediary table
DROP TABLE subject_mapping_actions;

-- 6. Drop the actions table
DROP TABLE actions;

-- +goose StatementEnd