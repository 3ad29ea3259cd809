-- +goose StatementBegin

ALTER TABLE resource_mapping_groups ADD COLUMN created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE resource_mapping_groups ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- create trigger to update updated_at when the row is updated
CREATE TRIGGER resource_mapping_groups_updated_at
  BEFORE UPDATE ON resource_mapping_groups
  FOR EACH ROW
  EXECUTE FUNCTION update_updated_at();

-- +goose StatementEnd

