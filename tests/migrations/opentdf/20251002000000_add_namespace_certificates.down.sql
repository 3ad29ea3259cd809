-- +goose StatementBegin

DROP TRIGGER IF EXISTS certificates_updated_at ON certificates;
DROP TABLE IF EXISTS attribute_namespace_certificates;
DROP TABLE IF EXISTS certificates;

-- +goose StatementEnd
