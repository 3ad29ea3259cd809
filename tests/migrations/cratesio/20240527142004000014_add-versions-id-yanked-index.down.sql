-- migrate:no-transaction
drop index concurrently versions_id_yanked_idx;
