-- +goose StatementBegin

-- 1. Create new 'actions' table
CREATE TABLE IF NOT EXISTS
    actions (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        name VARCHAR NOT NULL,
        is_standard BOOLEAN NOT NULL DEFAULT FALSE,
        metadata JSONB,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
        CONSTRAINT actions_name_unique UNIQUE (name) 
    );

COMMENT ON TABLE actions IS 'Table to store actions for use in ABAC decisioning';

COMMENT ON COLUMN actions.id IS 'Unique identifier for the action';

COMMENT ON COLUMN actions.name IS 'Unique name of the action, e.g. read, write, etc.';

COMMENT ON COLUMN actions.is_standard IS 'Whether the action is standard (proto-enum) or custom (user-defined).';

COMMENT ON COLUMN actions.metadata IS 'Metadata for the action (see protos for structure)';

CREATE TRIGGER actions_updated_at
  BEFORE UPDATE ON actions
  FOR EACH ROW
  EXECUTE FUNCTION update_updated_at();

-- 1a. Create intermediary table to hold the mapping of actions to subject_mappings (potentially many to many)
CREATE TABLE IF NOT EXISTS subject_mapping_actions (
    subject_mapping_id UUID NOT NULL REFERENCES subject_mappings(id) ON DELETE CASCADE,
    action_id UUID NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    PRIMARY KEY (subject_mapping_id, action_id)
);

CREATE INDEX IF NOT EXISTS idx_subject_mapping_actions_subject ON subject_mapping_actions(subject_mapping_id);
CREATE INDEX IF NOT EXISTS idx_subject_mapping_actions_action ON subject_mapping_actions(action_id);

-- 2. Insert standard CRUD actions from protos
INSERT INTO actions (name, is_standard) VALUES
    ('create', TRUE),
    ('read', TRUE),
    ('update', TRUE),
    ('delete', TRUE);

-- 3. Persist subject mapping relations from marshaled proto actions to actions table rows.

-- 3a. Validate custom actions align with new proto requirements as they were very loose previously.
DO $$
DECLARE
    invalid_action text;
    invalid_count int;
BEGIN
    WITH custom_actions AS (
        SELECT DISTINCT elem->>'custom' AS custom_action_name
        FROM subject_mappings sm
        CROSS JOIN LATERAL jsonb_array_elements(sm.actions) AS elem
        WHERE elem->>'custom' IS NOT NULL
    ),
    invalid_actions AS (
        SELECT custom_action_name
        FROM custom_actions
        WHERE 
          LENGTH(custom_action_name) > 253 OR
          LENGTH(custom_action_name) < 1 OR
          custom_action_name !~ '^[a-zA-Z0-9]' OR
          custom_action_name !~ '[a-zA-Z0-9]$' OR
          custom_action_name ~ '[^a-zA-Z0-9_-]'
    )
    SELECT COUNT(*) INTO invalid_count FROM invalid_actions;
    
    IF invalid_count > 0 THEN
        SELECT custom_action_name INTO invalid_action FROM invalid_actions LIMIT 1;
        RAISE EXCEPTION 'Invalid custom action name found: % (and % others). Names must be 1-253 characters, start and end with alphanumeric, and contain only alphanumeric, underscore, or hyphen.', 
                        invalid_action, invalid_count - 1;
    END IF;
END $$;

-- 3b. Extract unique custom actions from subject_mappings.actions and insert into actions table.
WITH custom_actions AS (
    SELECT DISTINCT elem->>'custom' AS custom_action_name
    FROM subject_mappings sm
    CROSS JOIN LATERAL jsonb_array_elements(sm.actions) AS elem
    WHERE elem->>'custom' IS NOT NULL
)
INSERT INTO actions (name, is_standard)
SELECT LOWER(custom_action_name), FALSE
FROM custom_actions
WHERE LOWER(custom_action_name) NOT IN (SELECT name FROM actions)
ON CONFLICT (name) DO NOTHING;


-- 3c. Map the old actions column to the new relation table.
-- | old actions column JSON array element    | actions.name of the new relation       |
-- | ---------------------------------------- | -------------------------------------- |
-- | {"standard": "STANDARD_ACTION_TRANSMIT"} | create                                 |
-- | {"standard": "STANDARD_ACTION_DECRYPT"}  | read                                   |
-- | {"custom": "custom_action_name"}         | custom_action_name                     |
INSERT INTO subject_mapping_actions (subject_mapping_id, action_id)
SELECT 
    sm.id, 
    a.id
FROM 
    subject_mappings sm,
    LATERAL jsonb_array_elements(sm.actions) AS elem,
    LATERAL (
        SELECT a.id 
        FROM actions a
        WHERE a.name = CASE 
            WHEN elem->>'standard' = 'STANDARD_ACTION_TRANSMIT' THEN 'create'
            WHEN elem->>'standard' = 'STANDARD_ACTION_DECRYPT' THEN 'read'
            WHEN elem->>'custom' IS NOT NULL THEN LOWER(elem->>'custom')
            ELSE NULL
        END
    ) a;

-- 3d. Verify data was properly converted from marshaled protos to actions table row ids.
DO $$
DECLARE
    expected_count BIGINT;
    actual_count BIGINT;
BEGIN
    SELECT COUNT(*) INTO expected_count
    FROM 
        subject_mappings sm,
        LATERAL jsonb_array_elements(sm.actions) AS elem
    WHERE 
        elem->>'standard' IS NOT NULL OR elem->>'custom' IS NOT NULL;
        
    SELECT COUNT(*) INTO actual_count 
    FROM subject_mapping_actions;
    
    IF expected_count != actual_count THEN
        RAISE EXCEPTION 'Migration verification failed: Expected % relationships, found %', 
                        expected_count, actual_count;
    END IF;
END $$;

-- 3e. Drop the old JSONB column
ALTER TABLE subject_mappings DROP COLUMN actions;

-- +goose StatementEnd

