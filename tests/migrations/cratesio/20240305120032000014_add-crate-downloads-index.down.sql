-- migrate:no-transaction
drop index concurrently crate_downloads_downloads_crate_id_index;
