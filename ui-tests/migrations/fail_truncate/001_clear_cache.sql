TRUNCATE query_cache;
