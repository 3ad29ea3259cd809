-- +goose StatementBegin
-- Add manager column to provider_config table
ALTER TABLE provider_config
ADD COLUMN manager VARCHAR(255);

-- Update existing records to have a default manager value for backward compatibility
UPDATE provider_config
SET
    manager = 'opentdf.io/unspecified'
WHERE
    manager IS NULL;

-- Make manager column NOT NULL now that all existing records have been updated
ALTER TABLE provider_config
ALTER COLUMN manager
SET NOT NULL;

-- Drop the existing unique constraint on provider_name
ALTER TABLE provider_config
DROP CONSTRAINT IF EXISTS provider_config_provider_name_key;

-- Add new composite unique constraint on provider_name + manager
ALTER TABLE provider_config
ADD CONSTRAINT provider_config_provider_name_manager_key UNIQUE (provider_name, manager);

-- Update column comments
COMMENT ON COLUMN provider_config.provider_name IS 'Name of the key provider instance.';

COMMENT ON COLUMN provider_config.manager IS 'Type of key manager (e.g., opentdf.io/basic, aws, azure, gcp)';

-- +goose StatementEnd
