-- migrate:no-transaction
DROP INDEX idx_trustpub_configs_github_repo;
