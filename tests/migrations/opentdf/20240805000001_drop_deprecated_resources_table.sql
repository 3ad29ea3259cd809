-- +goose StatementBegin

-- Remove the 'resources' table that was never used in platform 2.0 and should be removed

DROP TABLE IF EXISTS resources;

-- +goose StatementEnd

