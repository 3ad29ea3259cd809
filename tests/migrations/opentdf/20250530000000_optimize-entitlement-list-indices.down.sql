-- +goose StatementBegin

DROP INDEX IF EXISTS idx_ad_namespace_id;
DROP INDEX IF EXISTS idx_ad_active;
DROP INDEX IF EXISTS idx_ad_namespace_active;

DROP INDEX IF EXISTS idx_n_name;

DROP INDEX IF EXISTS idx_av_attr_def_id;

DROP INDEX IF EXISTS idx_avg_attr_val_id;
DROP INDEX IF EXISTS idx_avg_kas_id;

DROP INDEX IF EXISTS idx_fqns_attr_id_val_id;
DROP INDEX IF EXISTS idx_fqns_attr_id_null_val_id;

DROP INDEX IF EXISTS idx_sm_attribute_value_id;
DROP INDEX IF EXISTS idx_sm_subject_condition_set_id;

DROP INDEX IF EXISTS idx_a_is_standard;

DROP INDEX IF EXISTS idx_sma_subject_mapping_id;
DROP INDEX IF EXISTS idx_sma_action_id;
DROP INDEX IF EXISTS idx_sma_subject_mapping_action;

DROP INDEX IF EXISTS idx_fqns_value_id;

-- +goose StatementEnd