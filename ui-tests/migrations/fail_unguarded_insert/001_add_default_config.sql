BEGIN;

-- Insert default configuration
INSERT INTO kg_api.system_config (key, value)
VALUES
    ('max_upload_size_mb', '100'::jsonb),
    ('enable_telemetry', 'false'::jsonb);

COMMIT;
