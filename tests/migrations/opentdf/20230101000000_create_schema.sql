-- +goose StatementBegin

--
-- schema creation is dynamic and is not included in this file
--

-- +goose StatementEnd

